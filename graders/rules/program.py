"""A workspace parsed into modules, code scopes and the call graph between them.

A *scope* is a piece of code that runs as one unit: a function body, a module's import-time code, or its
`if __name__ == "__main__":` block. Workflow and step functions are found by their decorators; calls are
followed into plain helpers of the same workspace (same module, other modules, methods of its classes), so a
detector can ask "does this code run inside a workflow?" rather than only "is it in a workflow body?".
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from graders.rules.names import Resolver

WORKFLOW, STEP, TRANSACTION, PLAIN, IMPORT, MAIN = (
    "workflow", "step", "transaction", "plain", "import", "main")
_STEP_RUNNERS = frozenset({"dbos.DBOS.run_step", "dbos.DBOS.run_step_async"})
FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(eq=False)
class Module:
    path: str
    name: str
    tree: ast.Module
    resolver: Resolver
    is_test: bool  # test_*.py, *_test.py, conftest.py, or under a tests/ folder
    is_pytest: bool  # a file pytest collects or loads: test_*.py, *_test.py, conftest.py
    nodes: list[ast.AST]  # every node of the tree, walked once
    functions: dict[str, Scope] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    scopes: list[Scope] = field(default_factory=list)  # scopes[0] is the import-time code
    memo: dict[str, Any] = field(default_factory=dict)  # facts derived once, e.g. the modules it imports

    @property
    def is_package_main(self) -> bool:
        """`pkg/__main__.py`: run by `python -m pkg`, never imported."""
        return self.name.rpartition(".")[2] == "__main__"


@dataclass(eq=False)
class ClassInfo:
    module: Module
    node: ast.ClassDef
    methods: dict[str, Scope] = field(default_factory=dict)


@dataclass(eq=False)
class Scope:
    module: Module
    name: str
    body: list[ast.stmt]
    kind: str
    node: FunctionNode | None = None
    owner: ClassInfo | None = None
    parent: Scope | None = None
    is_fixture: bool = False  # decorated with @pytest.fixture
    nested: dict[str, Scope] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)  # classes defined in this function
    memo: dict[str, Any] = field(default_factory=dict)  # facts derived once, e.g. name bindings

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    @property
    def label(self) -> str:
        return {IMPORT: "module-level code", MAIN: "the __main__ block"}.get(self.kind, f"`{self.name}`")

    def nodes(self) -> list[ast.AST]:
        """Every node this scope executes itself: nested functions, classes' methods and the lambdas
        handed to `DBOS.run_step` are left out (they run as scopes of their own)."""
        if "nodes" not in self.memo:
            self.memo["nodes"] = list(_walk(self.body, self.module.resolver, into_classes=self.kind == IMPORT))
        return self.memo["nodes"]

    def calls(self) -> list[ast.Call]:
        if "calls" not in self.memo:
            self.memo["calls"] = [node for node in self.nodes() if isinstance(node, ast.Call)]
        return self.memo["calls"]

    def qualname(self, expr: ast.AST) -> str | None:
        """`Resolver.qualname`, also knowing this scope's `d = DBOS(config=...)` instances."""
        if "aliases" not in self.memo:
            aliases = {}
            if self.kind != IMPORT:  # module-level instances are the Resolver's own aliases
                for node in self.nodes():
                    if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                            and self.module.resolver.call_name(node.value) == "dbos.DBOS"):
                        aliases.update({t.id: "dbos.DBOS" for t in node.targets if isinstance(t, ast.Name)})
            self.memo["aliases"] = aliases
        return self.module.resolver.qualname(expr, self.memo["aliases"])

    def call_name(self, call: ast.Call) -> str | None:
        names = self.memo.setdefault("call_names", {})
        if id(call) not in names:
            names[id(call)] = self.qualname(call.func)
        return names[id(call)]


def is_main_guard(stmt: ast.stmt) -> bool:
    """`if __name__ == "__main__":`"""
    if not isinstance(stmt, ast.If) or not isinstance(stmt.test, ast.Compare):
        return False
    test = stmt.test
    sides = [test.left, *test.comparators]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides))


def _walk(body: list[ast.stmt], resolver: Resolver, *, into_classes: bool) -> Iterator[ast.AST]:
    stack: list[ast.AST] = list(reversed(body))
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        if isinstance(node, ast.ClassDef):
            if into_classes:
                stack.extend(reversed(node.body))
            continue
        yield node
        children = list(ast.iter_child_nodes(node))
        stack.extend(reversed(children))
        lambdas = [c for c in children if isinstance(c, ast.Lambda)]
        if lambdas and not (isinstance(node, ast.Call) and resolver.call_name(node) in _STEP_RUNNERS):
            # A lambda runs where it is written (a sort key runs in the workflow itself), unless it is
            # the function handed to DBOS.run_step: then it is a step.
            stack.extend(reversed([c.body for c in lambdas]))


def _classify(node: FunctionNode, resolver: Resolver) -> tuple[str, bool]:
    """(kind, is a pytest fixture) from a function's decorators."""
    kind, fixture = PLAIN, False
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = resolver.qualname(target) or ""
        if name in ("dbos.DBOS.workflow", "dbos.DBOS.scheduled", "dbos.DBOS.kafka_consumer"):
            kind = WORKFLOW
        elif name == "dbos.DBOS.step" and kind != WORKFLOW:
            kind = STEP
        elif isinstance(target, ast.Attribute) and target.attr == "transaction" and kind == PLAIN:
            kind = TRANSACTION  # DBOS.transaction (removed) or a datasource's @ds.transaction()
        elif name.endswith(".fixture") and name.split(".")[0] in ("pytest", "pytest_asyncio"):
            fixture = True
    return kind, fixture


class Program:
    """The modules of one workspace and what can be derived from them."""

    def __init__(self, modules: list[Module]) -> None:
        self.modules = modules
        self._by_name = {m.name: m for m in modules}
        self._found_modules: dict[tuple[str, str], Module | None] = {}
        for module in modules:
            _collect_scopes(module)
        self.scopes: list[Scope] = [s for m in modules for s in m.scopes]
        self._edges: dict[Scope, list[tuple[ast.Call, Scope]]] = {}
        self.callers: dict[Scope, list[tuple[Scope, ast.Call]]] = {s: [] for s in self.scopes}
        self._step_run: set[Scope] = set()
        self._instance_cache: dict[Scope, dict[str, ClassInfo]] = {}
        self._memo: dict[tuple[str, Scope], bool] = {}
        self.memo: dict[str, Any] = {}  # program-wide facts a detector derives once (e.g. the files it writes)
        for scope in self.scopes:
            self._edges[scope] = self._resolve_edges(scope)
            for call, callee in self._edges[scope]:
                self.callers[callee].append((scope, call))
        self.workflow_reach = self._reach({s for s in self.scopes if s.kind == WORKFLOW})
        self.step_reach = self._reach(
            {s for s in self.scopes if s.kind in (STEP, TRANSACTION)} | self._step_run)

    # --- call resolution -------------------------------------------------------------------------
    def callees(self, scope: Scope) -> list[tuple[ast.Call, Scope]]:
        """The workspace functions `scope` calls, with the call sites."""
        return self._edges[scope]

    def resolve(self, scope: Scope, func: ast.expr) -> Scope | None:
        """The workspace function an expression names (`helper`, `mod.helper`, `self.m`, `Cls.m`)."""
        if isinstance(func, ast.Name):
            outer: Scope | None = scope
            while outer is not None:
                if func.id in outer.nested:
                    return outer.nested[func.id]
                outer = outer.parent
            if func.id in scope.module.functions:
                return scope.module.functions[func.id]
        if isinstance(func, ast.Attribute):
            base = func.value
            if isinstance(base, ast.Name) and base.id in ("self", "cls") and scope.owner:
                return self._method(scope.owner, func.attr)
            cls = self.instance_class(scope, base) or _local_class(scope, base)
            if cls is not None:
                return self._method(cls, func.attr)
        qualified = scope.module.resolver.qualname(func)
        if qualified:
            found = self.lookup(qualified, scope.module)
            return found if isinstance(found, Scope) else None
        return None

    def instance_class(self, scope: Scope, expr: ast.expr) -> ClassInfo | None:
        """The workspace class of `x` when `x = SomeClass(...)` in this scope or at module level."""
        if not isinstance(expr, ast.Name):
            return None
        found = self._instances(scope).get(expr.id)
        if found is None and scope.kind != IMPORT:
            found = self._instances(scope.module.scopes[0]).get(expr.id)
        return found

    def _instances(self, scope: Scope) -> dict[str, ClassInfo]:
        if scope not in self._instance_cache:
            instances = {}
            for node in scope.nodes():
                if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                    qualified = scope.module.resolver.qualname(node.value.func)
                    found = _local_class(scope, node.value.func) or (
                        self.lookup(qualified, scope.module) if qualified else None)
                    if isinstance(found, ClassInfo):
                        instances.update({t.id: found for t in node.targets if isinstance(t, ast.Name)})
            self._instance_cache[scope] = instances
        return self._instance_cache[scope]

    def lookup(self, qualified: str, importer: Module, depth: int = 0) -> Scope | ClassInfo | None:
        """A workspace function or class by dotted name, following re-exports a few hops."""
        parts = qualified.split(".")
        for cut in range(len(parts) - 1, 0, -1):
            module = self.find_module(".".join(parts[:cut]), importer)
            if module is None:
                continue
            rest = parts[cut:]
            if rest[0] in module.functions and len(rest) == 1:
                return module.functions[rest[0]]
            if rest[0] in module.classes:
                cls = module.classes[rest[0]]
                return cls if len(rest) == 1 else self._method(cls, rest[1])
            alias = module.resolver.aliases.get(rest[0])
            if alias and depth < 4:
                return self.lookup(".".join([alias, *rest[1:]]), module, depth + 1)
            return None
        return None

    def find_module(self, name: str, importer: Module) -> Module | None:
        """`name` as imported from `importer`: exact, then beside the importer, then a unique suffix."""
        if name in self._by_name:
            return self._by_name[name]
        package = importer.name.rsplit(".", 1)[0] if "." in importer.name else ""
        key = (name, package)
        if key not in self._found_modules:
            found: Module | None
            if package and f"{package}.{name}" in self._by_name:
                found = self._by_name[f"{package}.{name}"]
            else:
                matches = [m for m in self.modules if m.name.endswith("." + name)]
                found = matches[0] if len(matches) == 1 else None
            self._found_modules[key] = found
        return self._found_modules[key]

    def _method(self, cls: ClassInfo, name: str, depth: int = 0) -> Scope | None:
        if name in cls.methods:
            return cls.methods[name]
        for base in cls.node.bases:
            qualified = cls.module.resolver.qualname(base)
            found = self.lookup(qualified, cls.module) if qualified else None
            if isinstance(found, ClassInfo) and depth < 4:
                return self._method(found, name, depth + 1)
        return None

    def _resolve_edges(self, scope: Scope) -> list[tuple[ast.Call, Scope]]:
        edges = []
        resolver = scope.module.resolver
        for call in scope.calls():
            callee = self.resolve(scope, call.func)
            if callee is not None:
                edges.append((call, callee))
            if resolver.call_name(call) in _STEP_RUNNERS and len(call.args) > 1:
                runner = self.resolve(scope, call.args[1])
                if runner is not None and runner.kind == PLAIN:
                    self._step_run.add(runner)
        return edges

    # --- which modules make up a program ----------------------------------------------------------
    def imports(self, module: Module) -> set[Module]:
        """The workspace modules `module` imports (directly)."""
        if "imports" not in module.memo:
            found = set()
            for qualified in {*module.resolver.aliases.values(), *module.resolver.imported} - {""}:
                parts = qualified.split(".")
                for cut in range(len(parts), 0, -1):
                    target = self.find_module(".".join(parts[:cut]), module)
                    if target is not None:
                        if target is not module:
                            found.add(target)
                        break
            module.memo["imports"] = found
        return module.memo["imports"]

    def closure(self, module: Module) -> set[Module]:
        """`module` and every workspace module it imports, transitively: what running it loads."""
        seen, queue = {module}, [module]
        while queue:
            for imported in self.imports(queue.pop()):
                if imported not in seen:
                    seen.add(imported)
                    queue.append(imported)
        return seen

    # --- pytest fixtures ---------------------------------------------------------------------------
    def fixtures(self, scope: Scope) -> list[Scope]:
        """The pytest fixtures that run before `scope` (a test or fixture of a pytest file): those its
        parameters or `@pytest.mark.usefixtures` name, autouse fixtures for tests, and their fixtures."""
        if "fixtures" not in scope.memo:
            scope.memo["fixtures"] = []  # guards against fixture cycles
            found: list[Scope] = []
            for name in _requested_fixture_names(scope):
                for fixture in self._fixtures_named(scope.module, name, overriding=scope):
                    if fixture not in found:
                        found.append(fixture)
            if scope.node is not None and scope.node.name.startswith("test") and not scope.is_fixture:
                found += [f for f in self._autouse(scope.module) if f not in found]
            for fixture in list(found):
                found += [f for f in self.fixtures(fixture) if f not in found]
            scope.memo["fixtures"] = found
        return scope.memo["fixtures"]

    def _fixtures_named(self, module: Module, name: str, overriding: Scope) -> list[Scope]:
        """Fixtures of that name visible from `module`: its own, else those of the workspace's conftest.py
        files (pytest picks the closest; the checker does not model directories). A fixture requesting its
        own name gets the one it overrides."""
        own = [s for s in module.scopes if s.is_fixture and _fixture_name(s) == name and s is not overriding]
        if own:
            return own
        return [s for m in self.modules if m.name.rpartition(".")[2] == "conftest" and m is not module
                for s in m.scopes if s.is_fixture and _fixture_name(s) == name]

    def _autouse(self, module: Module) -> list[Scope]:
        modules = [module, *(m for m in self.modules if m.name.rpartition(".")[2] == "conftest")]
        return [s for m in modules for s in m.scopes if s.is_fixture and _fixture_option(s, "autouse") is True]

    # --- where code runs -------------------------------------------------------------------------
    def _reach(self, roots: set[Scope]) -> dict[Scope, Scope]:
        """Each scope reachable from `roots` through calls of plain functions -> the root it came from."""
        reach = {root: root for root in roots}
        queue = list(roots)
        while queue:
            scope = queue.pop()
            for _, callee in self._edges[scope]:
                if callee.kind == PLAIN and callee not in reach:
                    reach[callee] = reach[scope]
                    queue.append(callee)
        return reach

    def transitively(self, key: str, scope: Scope, direct: Callable[[Scope], bool]) -> bool:
        """Whether `direct` holds for `scope` or any plain function it calls, memoised under `key`."""
        if (key, scope) not in self._memo:
            seen, queue, found = {scope}, [scope], False
            while queue and not found:
                current = queue.pop()
                found = direct(current)
                for _, callee in self._edges[current]:
                    if callee.kind == PLAIN and callee not in seen:
                        seen.add(callee)
                        queue.append(callee)
            self._memo[(key, scope)] = found
        return self._memo[(key, scope)]


def _collect_scopes(module: Module) -> None:
    top = [s for s in module.tree.body if not is_main_guard(s)]
    module.scopes.append(Scope(module, "<module>", top, IMPORT))
    for stmt in module.tree.body:
        if is_main_guard(stmt):
            module.scopes.append(Scope(module, "<main>", stmt.body, MAIN))  # type: ignore[attr-defined]
    _collect_defs(module, module.tree.body, prefix="", parent=None, owner=None, top_level=True)


def _collect_defs(module: Module, body: list[ast.stmt], *, prefix: str, parent: Scope | None,
                  owner: ClassInfo | None, top_level: bool) -> None:
    previous: ast.stmt | None = None
    for stmt in _statements(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            kind, fixture = _classify(stmt, module.resolver)
            if kind == PLAIN and _is_bare_step_decorator(previous, module.resolver):
                kind = STEP  # meant as a step; the missing @ is step-decorator-not-applied's finding
            scope = Scope(module, prefix + stmt.name, stmt.body, kind, stmt, owner, parent, fixture)
            module.scopes.append(scope)
            if owner is not None:
                owner.methods[stmt.name] = scope
            elif parent is not None:
                parent.nested[stmt.name] = scope
            elif top_level:
                module.functions[stmt.name] = scope
            _collect_defs(module, stmt.body, prefix=f"{scope.name}.", parent=scope, owner=None,
                          top_level=False)
        elif isinstance(stmt, ast.ClassDef):
            cls = ClassInfo(module, stmt)
            if top_level:
                module.classes[stmt.name] = cls
            elif parent is not None and owner is None:
                parent.classes[stmt.name] = cls
            _collect_defs(module, stmt.body, prefix=f"{prefix}{stmt.name}.", parent=parent, owner=cls,
                          top_level=False)
        previous = stmt


def _fixture_decorator(scope: Scope) -> ast.Call | None:
    for decorator in scope.node.decorator_list if scope.node is not None else []:
        if isinstance(decorator, ast.Call) and (scope.module.resolver.qualname(decorator.func) or "").endswith(
                ".fixture"):
            return decorator
    return None


def _fixture_option(scope: Scope, option: str) -> object:
    decorator = _fixture_decorator(scope)
    for keyword in decorator.keywords if decorator is not None else []:
        if keyword.arg == option and isinstance(keyword.value, ast.Constant):
            return keyword.value.value
    return None


def _fixture_name(scope: Scope) -> str:
    """`@pytest.fixture(name="x")` or the function's name."""
    named = _fixture_option(scope, "name")
    return named if isinstance(named, str) else scope.name.rpartition(".")[2]


def _requested_fixture_names(scope: Scope) -> list[str]:
    if scope.node is None:
        return []
    args = scope.node.args
    names = [a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs] if a.arg not in ("self", "cls")]
    for decorator in scope.node.decorator_list:
        if (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)
                and decorator.func.attr == "usefixtures"):
            names += [a.value for a in decorator.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return names


def _local_class(scope: Scope, expr: ast.expr) -> ClassInfo | None:
    """A class defined inside this function or an enclosing one, named by `expr`."""
    if not isinstance(expr, ast.Name):
        return None
    outer: Scope | None = scope
    while outer is not None:
        if expr.id in outer.classes:
            return outer.classes[expr.id]
        outer = outer.parent
    return None


def _is_bare_step_decorator(stmt: ast.stmt | None, resolver: Resolver) -> bool:
    """`DBOS.step()` written on its own line, right above a function."""
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)
            and resolver.call_name(stmt.value) == "dbos.DBOS.step")


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements of a body, looking inside if/try/with blocks (definitions often sit there)."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.If, ast.Try, ast.With, ast.AsyncWith)) and not is_main_guard(stmt):
            for child in ast.iter_child_nodes(stmt):
                if isinstance(child, ast.stmt):
                    yield from _statements([child])
                elif isinstance(child, ast.ExceptHandler):
                    yield from _statements(child.body)


def written_with(reach: dict[Scope, Scope]) -> dict[Scope, Scope]:
    """The part of a reach map in the module of its workflow/step. Rules about how code is written
    (global state, retry and poll loops, sleeps) judge only that part: helpers in other modules are often
    given library code, such as a task's simulated payment service, that the author did not write."""
    return {scope: root for scope, root in reach.items() if scope.module is root.module}


def context_label(scope: Scope, root: Scope) -> str:
    """"workflow `wf`" or "`helper` (called from step `fetch`)" for messages."""
    if scope is root:
        return f"{root.kind} `{root.name}`"
    return f"`{scope.name}` (called from {root.kind} `{root.name}`)"
