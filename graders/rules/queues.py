"""Queue rules: enqueue on an unregistered name, registration before launch, missing partition keys."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import (
    dbos_method,
    dict_keys,
    in_order,
    is_launch,
    launches,
    literal_dict,
)
from graders.rules.model import Violation, violation
from graders.rules.program import IMPORT, PLAIN, Program, Scope
from graders.rules.values import CLIENT, QUEUE, queue_name_arg, string_value, value_of

_PARTITION_OPTIONS = frozenset({"partition_concurrency", "partition_limiter", "partition_worker_concurrency"})
_REGISTER = frozenset({"register_queue", "register_queue_async"})


def _registrations(program: Program) -> Iterator[tuple[Scope, ast.Call, str | None]]:
    """Every queue registration (DBOS, DBOSClient, or the removed Queue(...)) with its literal name."""
    for scope in program.scopes:
        for call in scope.calls():
            func = call.func
            if (scope.call_name(call) == "dbos.Queue"
                    or (isinstance(func, ast.Attribute) and func.attr in _REGISTER)):
                yield scope, call, queue_name_arg(program, scope, call)


def _enqueues(program: Program) -> Iterator[tuple[Scope, ast.Call, str, ast.Dict | None]]:
    """Every enqueue whose queue name is known: (scope, call, queue name, its options dict if any)."""
    for scope in program.scopes:
        for call in scope.calls():
            method = dbos_method(scope, call)
            func = call.func
            if method in ("enqueue_workflow", "enqueue_workflow_async"):
                arg = call.args[0] if call.args else next(
                    (k.value for k in call.keywords if k.arg == "queue_name"), None)
                name = string_value(program, scope, arg)
                if name is not None:
                    yield scope, call, name, None
            elif method in ("enqueue_workflow_with_options", "enqueue_workflow_with_options_async") or (
                    isinstance(func, ast.Attribute) and func.attr in ("enqueue", "enqueue_async")
                    and call.args and _is_client(program, scope, func.value)):
                options = literal_dict(scope, call.args[0]) if call.args else None
                name = _option(program, scope, options, "queue_name")
                if options is not None and name is not None:
                    yield scope, call, name, options
            elif isinstance(func, ast.Attribute) and func.attr in ("enqueue", "enqueue_async"):
                held = value_of(program, scope, func.value)
                if held is not None and held.kind == QUEUE and held.detail is not None:
                    yield scope, call, held.detail, None


def _is_client(program: Program, scope: Scope, expr: ast.expr) -> bool:
    held = value_of(program, scope, expr)
    return held is not None and held.kind == CLIENT


def _option(program: Program, scope: Scope, options: ast.Dict | None, key: str) -> str | None:
    if options is None:
        return None
    for k, v in zip(options.keys, options.values, strict=True):
        if isinstance(k, ast.Constant) and k.value == key:
            return string_value(program, scope, v)
    return None


def not_registered(program: Program) -> Iterator[Violation]:
    """queue-not-registered. Silent when some registration's name cannot be read statically, and for
    DBOSClient enqueues in a workspace that registers no queue at all (the application is elsewhere)."""
    names = [name for _, _, name in _registrations(program)]
    if None in names:
        return
    for scope, call, name, options in _enqueues(program):
        if options is not None and not names:
            continue  # a client-only workspace enqueues to an application that lives elsewhere
        if name not in names and not name.startswith("_dbos"):
            yield violation("queue-not-registered", scope.module.path, call.lineno, (
                f"queue \"{name}\" is never registered, so nothing dequeues this workflow; call "
                f"DBOS.register_queue(\"{name}\", ...) after DBOS.launch()"))


def registered_before_launch(program: Program) -> Iterator[Violation]:
    """queue-registered-before-launch: a registration (or a call of a helper that registers) that runs
    before the DBOS.launch() of the same function, or at import time with no launch before it. DBOS counts
    as launched on entry to a test or fixture whose fixtures launch it, until a `DBOS.destroy()`; a
    registration under `if <launched>:`, or on a path that returns or branches away before the later launch,
    does not precede it."""
    for scope in program.scopes:
        events = []
        for call in in_order(scope.calls()):
            callee = program.resolve(scope, call.func)
            helper = callee if callee is not None and callee.kind == PLAIN else None
            if is_launch(scope, call) or (helper and launches(program, helper)):
                events.append((call, "launch"))
            elif dbos_method(scope, call) == "destroy":
                events.append((call, "destroy"))
            elif dbos_method(scope, call) in _REGISTER or (helper and _registers(program, helper)):
                events.append((call, "register"))
        if not any(kind == "register" for _, kind in events):
            continue
        launched = scope.module.is_pytest and any(launches(program, f) for f in program.fixtures(scope))
        parents = _parents(scope)
        for index, (call, kind) in enumerate(events):
            if kind in ("launch", "destroy"):
                launched = kind == "launch"
                continue
            if launched or _under_launched_guard(call, parents):
                continue
            later = [c for c, k in events[index + 1:] if k == "launch" and _may_follow(call, c, parents)]
            if scope.kind == IMPORT or later:
                yield violation("queue-registered-before-launch", scope.module.path, call.lineno, (
                    "DBOS.register_queue() runs before DBOS.launch(): queues live in the system database, "
                    "which DBOS opens at launch; register queues right after DBOS.launch()"))


def _parents(scope: Scope) -> dict[int, ast.AST]:
    if "parents" not in scope.memo:
        scope.memo["parents"] = {id(child): node for stmt in scope.body for node in ast.walk(stmt)
                                 for child in ast.iter_child_nodes(node)}
    return scope.memo["parents"]


def _ancestors(node: ast.AST, parents: dict[int, ast.AST]) -> list[tuple[ast.AST, ast.AST]]:
    """(ancestor, the child of it on the way to `node`), innermost first."""
    chain = []
    while id(node) in parents:
        parent = parents[id(node)]
        chain.append((parent, node))
        node = parent
    return chain


def _under_launched_guard(call: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """Inside `if launched:` / `if dbos._launched:` (or the `else:` of `if not launched:`)."""
    for ancestor, child in _ancestors(call, parents):
        if not isinstance(ancestor, ast.If) or child is ancestor.test:
            continue
        test, positive = ancestor.test, child in ancestor.body
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, positive = test.operand, not positive
        mentions = any("launched" in (n.id if isinstance(n, ast.Name) else n.attr).lower()
                       for n in ast.walk(test) if isinstance(n, (ast.Name, ast.Attribute)))
        if positive and mentions:
            return True
    return False


def _may_follow(first: ast.Call, later: ast.Call, parents: dict[int, ast.AST]) -> bool:
    """Whether `later` can run after `first`: not in another branch of an `if` holding both, and not
    after a branch around `first` that ends in `return`/`raise`."""
    later_path = {id(a): c for a, c in _ancestors(later, parents)}
    for ancestor, child in _ancestors(first, parents):
        if id(ancestor) in later_path:
            if isinstance(ancestor, ast.If) and later_path[id(ancestor)] is not child and (
                    child in ancestor.body) != (later_path[id(ancestor)] in ancestor.body) and (
                    later_path[id(ancestor)] is not ancestor.test):
                return False
            return True
        if isinstance(ancestor, ast.If) and child is not ancestor.test:
            branch = ancestor.body if child in ancestor.body else ancestor.orelse
            if branch and isinstance(branch[-1], (ast.Return, ast.Raise)):
                return False
    return True


def _registers(program: Program, scope: Scope) -> bool:
    return program.transitively("register", scope, lambda s: any(
        dbos_method(s, c) in _REGISTER for c in s.calls()))


def partition_key_missing(program: Program) -> Iterator[Violation]:
    """queue-partition-key-missing"""
    partitioned = {
        name: next(k.arg for k in call.keywords if k.arg in _PARTITION_OPTIONS)
        for _, call, name in _registrations(program)
        if name and any(k.arg in _PARTITION_OPTIONS for k in call.keywords)}
    for scope, call, name, options in _enqueues(program):
        if name not in partitioned:
            continue
        if options is not None:
            keys = dict_keys(options)
            if keys is None or "queue_partition_key" in keys:
                continue
        elif _under_partition_key(program, scope, call):
            continue
        yield violation("queue-partition-key-missing", scope.module.path, call.lineno, (
            f"queue \"{name}\" is partitioned ({partitioned[name]}) but this enqueue names no partition; "
            "wrap it in `with SetEnqueueOptions(queue_partition_key=...):` (DBOSClient: set "
            "\"queue_partition_key\" in the options)"))


def _under_partition_key(program: Program, scope: Scope, call: ast.Call, depth: int = 0) -> bool:
    """Inside `with SetEnqueueOptions(queue_partition_key=...)`, here or around a call of this helper."""
    for node in scope.nodes():
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            continue
        if any(_sets_partition(scope, item.context_expr) for item in node.items) and any(
                inner is call for statement in node.body for inner in ast.walk(statement)):
            return True
    if scope.kind != PLAIN or depth > 3:
        return False
    return any(_under_partition_key(program, caller, site, depth + 1)
               for caller, site in program.callers.get(scope, []))


def _sets_partition(scope: Scope, expr: ast.expr) -> bool:
    return (isinstance(expr, ast.Call) and scope.call_name(expr) == "dbos.SetEnqueueOptions"
            and any(k.arg in ("queue_partition_key", None) for k in expr.keywords))
