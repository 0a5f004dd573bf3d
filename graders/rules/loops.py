"""Loop rules: hand-written retry loops (step-manual-retry-loop) and polling loops (comm-poll-loop)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import RECV, dbos_method, is_sleep
from graders.rules.model import Violation, violation
from graders.rules.program import Program, Scope, context_label, written_with
from graders.rules.signals import APP, signal_source
from graders.rules.state import module_level_kind

Loop = ast.For | ast.AsyncFor | ast.While
_COUNTERS = frozenset({"builtins.range", "itertools.count", "itertools.repeat"})
_NESTED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def manual_retry_loop(program: Program) -> Iterator[Violation]:
    """step-manual-retry-loop: in a step or workflow (or a helper of one)."""
    reach = written_with({**program.step_reach, **program.workflow_reach})
    for scope, root in reach.items():
        for loop in _loops(scope):
            if _is_retry_loop(scope, loop):
                yield violation("step-manual-retry-loop", scope.module.path, loop.lineno, (
                    f"hand-written retry loop in {context_label(scope, root)}: its attempts and sleeps are "
                    "not durable; put the external call in a step with @DBOS.step(retries_allowed=True, "
                    "max_attempts=..., interval_seconds=..., backoff_rate=...) and drop the loop"))


def poll_loop(program: Program) -> Iterator[Violation]:
    """comm-poll-loop: a workflow that sleeps in a loop until a value a workflow or the app writes changes."""
    for scope, root in written_with(program.workflow_reach).items():
        for loop in _loops(scope):
            if _is_poll_loop(program, scope, loop):
                yield violation("comm-poll-loop", scope.module.path, loop.lineno, (
                    f"{context_label(scope, root)} polls in a sleep loop for a signal; have the sender "
                    "call DBOS.send(workflow_id, message, topic) or DBOS.set_event(...) and wait once with "
                    "DBOS.recv(topic, timeout_seconds=...) or DBOS.get_event(...)"))


def _loops(scope: Scope) -> Iterator[Loop]:
    return (n for n in scope.nodes() if isinstance(n, (ast.For, ast.AsyncFor, ast.While)))


def _own_nodes(loop: Loop) -> Iterator[ast.AST]:
    """Nodes of the loop body, without nested loops and definitions."""
    return _inside([*loop.body, *loop.orelse])


def _inside(statements: list[ast.stmt]) -> Iterator[ast.AST]:
    """Nodes of `statements`, without nested loops and definitions (their break/return are their own)."""
    stack: list[ast.AST] = list(statements)
    while stack:
        node = stack.pop()
        if isinstance(node, (*_NESTED, ast.For, ast.AsyncFor, ast.While)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _counts_attempts(scope: Scope, loop: Loop) -> bool:
    """`while ...:` or `for _ in range(n)` (not a loop over items)."""
    if isinstance(loop, ast.While):
        return True
    return isinstance(loop.iter, ast.Call) and scope.call_name(loop.iter) in _COUNTERS


def _exits(statements: list[ast.stmt]) -> bool:
    return any(isinstance(node, (ast.Break, ast.Return)) for node in _inside(statements))


def _is_retry_loop(scope: Scope, loop: Loop) -> bool:
    """A counted loop around `try: <call>; break/return except: ...` that sleeps between attempts."""
    if not _counts_attempts(scope, loop):
        return False
    nodes = list(_own_nodes(loop))
    tries = [n for n in nodes if isinstance(n, ast.Try) and n.handlers]
    sleeps = any(isinstance(n, ast.Call) and is_sleep(scope, n) for n in nodes)
    return sleeps and any(
        _exits(t.body + t.orelse) and any(isinstance(n, ast.Call) for s in t.body for n in ast.walk(s))
        for t in tries)


def _sleep_in_handler(scope: Scope, loop: Loop) -> bool:
    for node in _own_nodes(loop):
        if isinstance(node, ast.ExceptHandler) and any(
                isinstance(n, ast.Call) and is_sleep(scope, n) for s in node.body for n in ast.walk(s)):
            return True
    return False


def _is_poll_loop(program: Program, scope: Scope, loop: Loop) -> bool:
    """Sleeps every round (not only after a failure), does no work but reading a signal, and leaves when
    the signal says so, and that signal is one a workflow or the app itself writes (`signals`). A loop that
    also does work between sleeps (a throttled backfill) is not a poll; neither is one that waits on an
    outside system through a step."""
    nodes = list(_own_nodes(loop))
    calls = [n for n in nodes if isinstance(n, ast.Call)]
    if not any(is_sleep(scope, c) for c in calls) or any(dbos_method(scope, c) in RECV for c in calls):
        return False
    if _sleep_in_handler(scope, loop) or _is_retry_loop(scope, loop):
        return False
    tests: list[ast.expr] = []
    if isinstance(loop, ast.While) and not (isinstance(loop.test, ast.Constant) and loop.test.value):
        tests.append(loop.test)
    tests.extend(n.test for n in nodes if isinstance(n, ast.If) and _exits(n.body))
    tested = {n.id for test in tests for n in ast.walk(test) if isinstance(n, ast.Name)}
    checks = [c for test in tests for c in ast.walk(test) if isinstance(c, ast.Call)]
    checks += [c for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign)) and tested & _bound_names(n)
               for c in (_called(n.value),) if c is not None]
    inside_checks = {id(inner) for c in checks if c is not None for inner in ast.walk(c)}
    fresh = {name for n in nodes if isinstance(n, (ast.Assign, ast.AnnAssign)) and _called(n.value) is not None
             for name in _bound_names(n)}
    if any(id(c) not in inside_checks and not _incidental(scope, c, fresh) for c in calls):
        return False
    if any(_is_shared_state(program, scope, name) for name in tested):
        return True
    sources = [(c, signal_source(program, scope, c)) for c in checks]
    if any(source == APP for _, source in sources):
        return True
    # An outside system (a provider's API asked through a step) can only be polled; code that does not
    # show where its value comes from is judged by the check's name.
    return any(source is None and _reads_signal(scope, c) for c, source in sources)


def _called(value: ast.expr | None) -> ast.Call | None:
    if isinstance(value, ast.Await):
        value = value.value
    return value if isinstance(value, ast.Call) else None


def _bound_names(node: ast.Assign | ast.AnnAssign) -> set[str]:
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
    return {t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name)}


_INCIDENTAL_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_INCIDENTAL_DBOS = frozenset({"set_event", "set_event_async", "write_stream", "write_stream_async"})
_SIGNAL_WORDS = ("status", "state", "ready", "approv", "done", "complete", "finish", "check", "poll", "exist",
                 "pending", "confirm", "signal", "event", "result", "wait", "get", "fetch", "read", "lookup",
                 "query", "paid", "flag")


def _incidental(scope: Scope, call: ast.Call, fresh: set[str]) -> bool:
    """Sleeps, logging, builtins, publishing progress, or methods of a value just read: not work."""
    if is_sleep(scope, call) or dbos_method(scope, call) in _INCIDENTAL_DBOS:
        return True
    name = scope.call_name(call) or ""
    if name.startswith(("builtins.", "dbos.DBOS.logger")):
        return True
    func = call.func
    return isinstance(func, ast.Attribute) and (
        func.attr in _INCIDENTAL_METHODS or (isinstance(func.value, ast.Name) and func.value.id in fresh))


def _reads_signal(scope: Scope, call: ast.Call) -> bool:
    """A DBOS read (get_event, workflow status) or a call named like a check (`approval_status`)."""
    method = dbos_method(scope, call) or ""
    if method.startswith(("get_", "retrieve_", "list_")):
        return True
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    return any(word in name.lower() for word in _SIGNAL_WORDS)


def _is_shared_state(program: Program, scope: Scope, name: str) -> bool:
    """A module-level container, or a module-level name some function rebinds through `global`."""
    if scope.qualname(ast.Name(id=name)) != f"{scope.module.name}.{name}":
        return False
    if module_level_kind(program, scope.module, name) == "container":
        return True
    return any(isinstance(n, ast.Global) and name in n.names for s in scope.module.scopes for n in s.nodes())
