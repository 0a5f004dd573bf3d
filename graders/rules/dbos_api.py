"""Recognising DBOS calls, configs and sleeps the way a detector needs them (DBOS 3.4.0 names)."""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from typing import TypeVar

from graders.rules.program import Program, Scope
from graders.rules.values import single_binding

N = TypeVar("N", bound=ast.AST)
SLEEPS = frozenset({"time.sleep", "asyncio.sleep", "dbos.DBOS.sleep", "dbos.DBOS.sleep_async"})
START_OR_ENQUEUE = frozenset({
    "start_workflow", "start_workflow_async", "enqueue_workflow", "enqueue_workflow_async",
    "enqueue_workflow_with_options", "enqueue_workflow_with_options_async"})
RECV = frozenset({"recv", "recv_async"})


def dbos_method(scope: Scope, call: ast.Call) -> str | None:
    """`launch` for `DBOS.launch()`, `D.launch()` with `D` an alias, or `DBOS(config=c).launch()`."""
    name = scope.call_name(call)
    if name and name.startswith("dbos.DBOS.") and name.count(".") == 2:
        return name.rsplit(".", 1)[1]
    func = call.func
    if (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Call)
            and scope.call_name(func.value) == "dbos.DBOS"):
        return func.attr
    return None


def is_configure(scope: Scope, call: ast.Call) -> bool:
    """`DBOS(config=...)`."""
    return scope.call_name(call) == "dbos.DBOS"


def is_launch(scope: Scope, call: ast.Call) -> bool:
    return dbos_method(scope, call) == "launch"


def launches(program: Program, scope: Scope) -> bool:
    """Whether running `scope` calls DBOS.launch(), itself or through plain helpers."""
    return program.transitively("launch", scope, lambda s: any(is_launch(s, c) for c in s.calls()))


def is_sleep(scope: Scope, call: ast.Call) -> bool:
    """A real pause: `time.sleep`, `asyncio.sleep` (not the `sleep(0)` yield) or DBOS's durable sleep."""
    name = scope.call_name(call)
    if name not in SLEEPS:
        return False
    first = call.args[0] if call.args else None
    return not (isinstance(first, ast.Constant) and first.value == 0)


def in_order(nodes: Iterable[N]) -> list[N]:
    """Nodes in source order (the order straight-line code runs them)."""
    return sorted(nodes, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


def dict_keys(node: ast.Dict) -> set[str] | None:
    """The literal string keys of a dict display, or None when it has `**spread` or computed keys."""
    keys = set()
    for key in node.keys:
        if not (isinstance(key, ast.Constant) and isinstance(key.value, str)):
            return None
        keys.add(key.value)
    return keys


def literal_dict(scope: Scope, expr: ast.expr | None) -> ast.Dict | None:
    """`expr` as a dict display: written inline, or a name bound exactly once to one."""
    if isinstance(expr, ast.Name):
        bound = single_binding(scope, expr.id)
        expr = bound[1] if bound else None
    return expr if isinstance(expr, ast.Dict) else None


def config_literals(scope: Scope) -> list[ast.Dict | ast.Call]:
    """The DBOS configs written in `scope`: `c: DBOSConfig = {...}`, `DBOSConfig(...)`,
    `DBOS(config={...})` or a dict bound to the name passed as `config=`, a `-> DBOSConfig` return."""
    if "configs" not in scope.memo:
        scope.memo["configs"] = list(_config_literals(scope))
    return scope.memo["configs"]


def _config_literals(scope: Scope) -> Iterator[ast.Dict | ast.Call]:
    config_names = set()
    for node in scope.nodes():
        if isinstance(node, ast.Call) and is_configure(scope, node):
            for keyword in node.keywords:
                if keyword.arg == "config" and isinstance(keyword.value, ast.Name):
                    config_names.add(keyword.value.id)
    returns_config = scope.node is not None and scope.node.returns is not None and (
        scope.qualname(scope.node.returns) == "dbos.DBOSConfig")
    for node in scope.nodes():
        if isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict):
            if scope.qualname(node.annotation) == "dbos.DBOSConfig" or (
                    isinstance(node.target, ast.Name) and node.target.id in config_names):
                yield node.value
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            if any(isinstance(t, ast.Name) and t.id in config_names for t in node.targets):
                yield node.value
        elif isinstance(node, ast.Call) and scope.call_name(node) == "dbos.DBOSConfig":
            yield node
        elif isinstance(node, ast.Call) and is_configure(scope, node):
            for keyword in node.keywords:
                if keyword.arg == "config" and isinstance(keyword.value, ast.Dict):
                    yield keyword.value
        elif returns_config and isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            yield node.value


def config_keys(config: ast.Dict | ast.Call) -> dict[str, ast.expr | ast.keyword] | None:
    """key -> the node that sets it, or None when the config is spread from elsewhere."""
    if isinstance(config, ast.Call):
        if config.args or any(k.arg is None for k in config.keywords):
            return None
        return {k.arg: k for k in config.keywords if k.arg}
    if dict_keys(config) is None:
        return None
    return {k.value: k for k in config.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
