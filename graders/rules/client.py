"""DBOSClient rules: destroyed on every path, and enqueue options that name workflow and queue."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import dbos_method, dict_keys, literal_dict
from graders.rules.model import Violation, violation
from graders.rules.program import IMPORT, Program, Scope
from graders.rules.values import CLIENT, QUEUE, value_of

_CLEANUP_METHODS = frozenset({"close", "shutdown", "stop", "destroy", "teardown", "aclose", "__exit__",
                              "__aexit__", "__del__", "cleanup"})
_ENQUEUE_KEYS = frozenset({"workflow_name", "queue_name", "workflow_id", "app_version", "workflow_timeout",
                           "deduplication_id", "priority", "queue_partition_key", "delay_seconds"})


def not_destroyed(program: Program) -> Iterator[Violation]:
    """client-not-destroyed: a client bound to a name whose destroy() is not in a `finally`, after a
    fixture's/lifespan's `yield`, in a cleanup method, or registered as a callback (atexit, ExitStack).
    A client that is returned or passed on belongs to someone else and is not judged here."""
    for scope in program.scopes:
        for node in scope.nodes():
            if isinstance(node, ast.Call) and scope.call_name(node) == "dbos.DBOSClient":
                owner = _owner_name(scope, node)
                if owner is None or _handed_on(program, scope, owner) or _destroyed(program, scope, owner):
                    continue
                yield violation("client-not-destroyed", scope.module.path, node.lineno, (
                    "this DBOSClient is not destroyed on every path: an exception before destroy() "
                    "leaks its database connections; use it in `try:` and call client.destroy() in "
                    "`finally:`"))


def _owner_name(scope: Scope, call: ast.Call) -> str | None:
    """`name` for `name = DBOSClient(...)` / `self.name = ...`; "" for a client used and dropped inline."""
    for node in scope.nodes():
        if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is call:
            target = node.targets[0] if isinstance(node, ast.Assign) else node.target
            if isinstance(target, ast.Name):
                return target.id
            if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name):
                return f"{target.value.id}.{target.attr}"
            return None
        if isinstance(node, ast.Attribute) and node.value is call:
            return ""  # DBOSClient(...).enqueue(...): nobody can destroy it
    return None


def _dotted(expr: ast.expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name):
        return f"{expr.value.id}.{expr.attr}"
    return None


def _handed_on(program: Program, scope: Scope, owner: str) -> bool:
    """Returned, stored in an object or container, or given to code outside the workspace (which may keep
    it). Passing it to a workspace helper that only uses it is not handing it on."""
    if not owner:
        return False
    for node in scope.nodes():
        if isinstance(node, ast.Return) and node.value is not None and _dotted(node.value) == owner:
            return True
        if isinstance(node, ast.Assign) and _dotted(node.value) == owner and any(
                isinstance(t, (ast.Attribute, ast.Subscript)) for t in node.targets):
            return True
        if isinstance(node, ast.Call) and any(_dotted(a) == owner for a in node.args):
            helper = program.resolve(scope, node.func)
            if helper is None and not (scope.call_name(node) or "").startswith("builtins."):
                return True
    return False


def _destroyed(program: Program, scope: Scope, owner: str) -> bool:
    if not owner:
        return False
    if owner.startswith("self.") and scope.owner is not None:
        places = list(scope.owner.methods.values())
    elif scope.kind == IMPORT:
        places = list(scope.module.scopes)
    else:
        places = [scope]
    return any(_destroys_safely(place, owner) for place in places)


def _destroys_safely(scope: Scope, owner: str) -> bool:
    yields = [n.lineno for n in scope.nodes() if isinstance(n, (ast.Yield, ast.YieldFrom))]
    in_finally = {id(inner) for n in scope.nodes() if isinstance(n, ast.Try)
                  for statement in n.finalbody for inner in ast.walk(statement)}
    cleanup_method = _is_cleanup(scope)
    for node in scope.nodes():
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        destroys = isinstance(func, ast.Attribute) and func.attr == "destroy" and _dotted(func.value) == owner
        if destroys and (id(node) in in_finally or cleanup_method or any(y < node.lineno for y in yields)):
            return True
        if any(isinstance(a, ast.Attribute) and a.attr == "destroy" and _dotted(a.value) == owner
               for a in node.args):
            return True  # atexit.register(client.destroy), stack.callback(client.destroy)
    return False


def _is_cleanup(scope: Scope) -> bool:
    """A function that runs at shutdown: named like one (`close`, `__exit__`), registered with atexit, or a
    web framework's shutdown hook (`@app.on_event("shutdown")`)."""
    if scope.node is None:
        return False
    if scope.node.name in _CLEANUP_METHODS:
        return True
    for decorator in scope.node.decorator_list:
        if scope.qualname(decorator) == "atexit.register" or (isinstance(decorator, ast.Call) and any(
                isinstance(a, ast.Constant) and a.value == "shutdown" for a in decorator.args)):
            return True
    return any(isinstance(n, ast.Call) and scope.module.resolver.call_name(n) == "atexit.register"
               and any(isinstance(a, ast.Name) and a.id == scope.node.name for a in n.args)
               for n in scope.module.nodes)


def enqueue_missing_keys(program: Program) -> Iterator[Violation]:
    """client-enqueue-missing-keys: an options dict written out without workflow_name or queue_name."""
    for scope in program.scopes:
        for call in scope.calls():
            target = _options_enqueue(program, scope, call)
            if target is None:
                continue
            shown, known_client = target
            first = call.args[0] if call.args else next(
                (k.value for k in call.keywords if k.arg == "options"), None)
            keys = _options_literal(scope, first)
            if keys is None or not (known_client or keys & _ENQUEUE_KEYS):
                continue
            missing = sorted({"workflow_name", "queue_name"} - keys)
            if missing:
                yield violation("client-enqueue-missing-keys", scope.module.path, call.lineno, (
                    f"{shown}() options lack {' and '.join(missing)}: the client addresses the workflow "
                    "by these names; pass {\"workflow_name\": ..., \"queue_name\": ...} (plus any other "
                    "options)"))


def _options_enqueue(program: Program, scope: Scope, call: ast.Call) -> tuple[str, bool] | None:
    """(how to show the call, whether its receiver is surely a client) for an enqueue taking options."""
    method = dbos_method(scope, call)
    if method in ("enqueue_workflow_with_options", "enqueue_workflow_with_options_async"):
        return f"DBOS.{method}", True
    func = call.func
    if not (isinstance(func, ast.Attribute) and func.attr in ("enqueue", "enqueue_async")):
        return None
    held = value_of(program, scope, func.value)
    if held is not None and held.kind == QUEUE:
        return None
    return f"{_dotted(func.value) or 'client'}.{func.attr}", held is not None and held.kind == CLIENT


def _options_literal(scope: Scope, expr: ast.expr | None) -> set[str] | None:
    """The keys of options written as a dict display or EnqueueOptions(...); None when built elsewhere
    or completed later (`options["queue_name"] = ...`)."""
    if isinstance(expr, ast.Call) and scope.call_name(expr) == "dbos.EnqueueOptions":
        if expr.args or any(k.arg is None for k in expr.keywords):
            return None
        return {k.arg for k in expr.keywords if k.arg}
    options = literal_dict(scope, expr)
    if options is None:
        return None
    if isinstance(expr, ast.Name) and any(
            isinstance(n, ast.Subscript) and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name)
            and n.value.id == expr.id for n in scope.nodes()):
        return None
    return dict_keys(options)
