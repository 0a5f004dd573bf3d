"""Resolving the names of one module to dotted qualified names.

`from dbos import DBOS as D` makes `D.workflow` read as `dbos.DBOS.workflow`; `import time as t` makes
`t.sleep` read as `time.sleep`; a module-level `def f` reads as `<module>.f`. Private DBOS modules are
folded into the public name (`dbos._dbos.DBOS` -> `dbos.DBOS`), so detectors compare against one spelling.
"""

from __future__ import annotations

import ast
import builtins

_BUILTINS = frozenset(dir(builtins))


def canonical(qualified: str) -> str:
    """`dbos._dbos.DBOS.step` -> `dbos.DBOS.step`; other names unchanged."""
    parts = qualified.split(".")
    if len(parts) > 2 and parts[0] == "dbos" and parts[1].startswith("_"):
        return ".".join([parts[0], *parts[2:]])
    return qualified


def absolute_module(module: str, is_package: bool, level: int, target: str | None) -> str:
    """The absolute name of `from <level dots><target> import ...` written in `module`."""
    if level == 0:
        return target or ""
    parts = module.split(".") if module else []
    if not is_package:
        parts = parts[:-1]
    if level > 1:
        parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
    if target:
        parts.append(target)
    return ".".join(parts)


class Resolver:
    """Name resolution for one module: import aliases, module-level definitions, builtins."""

    def __init__(self, module: str, tree: ast.Module, nodes: list[ast.AST], *, is_package: bool = False) -> None:
        self.module = module
        self.aliases: dict[str, str] = {}
        self.defined: set[str] = set()
        self.imported: set[str] = set()  # every dotted module or name imported, e.g. `app.setup`
        for node in nodes:
            if isinstance(node, ast.Import):
                for alias in node.names:
                    self.imported.add(alias.name)
                    if alias.asname:
                        self.aliases[alias.asname] = canonical(alias.name)
                    else:
                        top = alias.name.split(".")[0]
                        self.aliases[top] = top
            elif isinstance(node, ast.ImportFrom):
                base = absolute_module(module, is_package, node.level, node.module)
                self.imported.add(base)
                for alias in node.names:
                    if alias.name != "*":
                        full = f"{base}.{alias.name}" if base else alias.name
                        self.aliases[alias.asname or alias.name] = canonical(full)
                        self.imported.add(full)
        for stmt in tree.body:
            self._collect_definitions(stmt)

    def _collect_definitions(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.defined.add(stmt.name)
        elif isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            value = stmt.value
            for target in targets:
                if not isinstance(target, ast.Name):
                    continue
                alias = self._alias_value(value)
                if alias and target.id not in self.aliases:
                    self.aliases[target.id] = alias
                else:
                    self.defined.add(target.id)
        elif isinstance(stmt, (ast.If, ast.Try)):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    self._collect_definitions(child)

    def _alias_value(self, value: ast.expr | None) -> str | None:
        """`D = DBOS` and `dbos_app = DBOS(config=...)` make the name an alias of `dbos.DBOS`;
        `durable = DBOS.workflow()` makes `@durable` read as `@DBOS.workflow()`."""
        if value is None:
            return None
        if isinstance(value, ast.Call) and self.qualname(value.func) == "dbos.DBOS":
            return "dbos.DBOS"
        if isinstance(value, ast.Call) and self.qualname(value.func) in ("dbos.DBOS.workflow", "dbos.DBOS.step"):
            return self.qualname(value.func)
        if isinstance(value, (ast.Name, ast.Attribute)):
            qualified = self.qualname(value)
            if qualified == "dbos.DBOS":
                return qualified
        return None

    def qualname(self, node: ast.AST, local: dict[str, str] | None = None) -> str | None:
        """The dotted name of a Name/Attribute chain, or None when its base is a plain local value."""
        if isinstance(node, ast.Name):
            if local and node.id in local:
                return local[node.id]
            if node.id in self.aliases:
                return self.aliases[node.id]
            if node.id in self.defined:
                return f"{self.module}.{node.id}" if self.module else node.id
            if node.id in _BUILTINS:
                return f"builtins.{node.id}"
            return None
        if isinstance(node, ast.Attribute):
            base = self.qualname(node.value, local)
            return f"{base}.{node.attr}" if base else None
        return None

    def call_name(self, call: ast.Call, local: dict[str, str] | None = None) -> str | None:
        return self.qualname(call.func, local)
