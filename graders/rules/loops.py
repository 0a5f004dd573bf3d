"""Loop rules: hand-written retry loops (step-manual-retry-loop) and polling loops (comm-poll-loop)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import RECV, dbos_method, is_sleep
from graders.rules.model import Violation, violation
from graders.rules.program import Program, Scope, context_label
from graders.rules.state import module_level_kind

Loop = ast.For | ast.AsyncFor | ast.While
_COUNTERS = frozenset({"builtins.range", "itertools.count", "itertools.repeat"})


def manual_retry_loop(program: Program) -> Iterator[Violation]:
    """step-manual-retry-loop: in a step or workflow (or a helper of one)."""
    reach = {**program.step_reach, **program.workflow_reach}
    for scope, root in reach.items():
        for loop in _loops(scope):
            if _is_retry_loop(scope, loop):
                yield violation("step-manual-retry-loop", scope.module.path, loop.lineno, (
                    f"hand-written retry loop in {context_label(scope, root)}: its attempts and sleeps are "
                    "not durable; put the external call in a step with @DBOS.step(retries_allowed=True, "
                    "max_attempts=..., interval_seconds=..., backoff_rate=...) and drop the loop"))


def poll_loop(program: Program) -> Iterator[Violation]:
    """comm-poll-loop: a workflow that sleeps in a loop until a checked value changes."""
    for scope, root in program.workflow_reach.items():
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
    stack: list[ast.AST] = [*loop.body, *loop.orelse]
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                             ast.ClassDef, ast.Lambda)):
            continue
        yield node
        stack.extend(ast.iter_child_nodes(node))


def _counts_attempts(scope: Scope, loop: Loop) -> bool:
    """`while ...:` or `for _ in range(n)` (not a loop over items)."""
    if isinstance(loop, ast.While):
        return True
    return isinstance(loop.iter, ast.Call) and scope.call_name(loop.iter) in _COUNTERS


def _exits(nodes: list[ast.stmt]) -> bool:
    for statement in nodes:
        for node in _walk_no_loops(statement):
            if isinstance(node, (ast.Break, ast.Return)):
                return True
    return False


def _walk_no_loops(node: ast.AST) -> Iterator[ast.AST]:
    yield node
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.FunctionDef, ast.AsyncFunctionDef,
                         ast.Lambda, ast.ClassDef)):
        return
    for child in ast.iter_child_nodes(node):
        yield from _walk_no_loops(child)


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
    """Sleeps every round (not only after a failure) and leaves when a freshly read value says so."""
    nodes = list(_own_nodes(loop))
    if not any(isinstance(n, ast.Call) and is_sleep(scope, n) for n in nodes):
        return False
    if _sleep_in_handler(scope, loop) or _is_retry_loop(scope, loop):
        return False
    if any(isinstance(n, ast.Call) and dbos_method(scope, n) in RECV for n in nodes):
        return False
    tests: list[ast.expr] = []
    if isinstance(loop, ast.While) and not (isinstance(loop.test, ast.Constant) and loop.test.value):
        tests.append(loop.test)
    tests.extend(n.test for n in nodes if isinstance(n, ast.If) and _exits(n.body))
    fresh = _assigned_from_calls(nodes)
    return any(_reads_signal(program, scope, test, fresh) for test in tests)


def _assigned_from_calls(nodes: list[ast.AST]) -> set[str]:
    """Names the loop body binds to a call's result (`status = check(order_id)`)."""
    names = set()
    for node in nodes:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        if isinstance(node.value, (ast.Call, ast.Await)):
            names.update(t.id for target in targets for t in ast.walk(target) if isinstance(t, ast.Name))
    return names


def _reads_signal(program: Program, scope: Scope, test: ast.expr, fresh: set[str]) -> bool:
    """The exit test calls something, reads a value fetched in the loop, or reads shared module state."""
    for node in ast.walk(test):
        if isinstance(node, ast.Call):
            return True
        if isinstance(node, ast.Name) and node.id in fresh:
            return True
        if isinstance(node, ast.Name) and _is_shared_state(program, scope, node.id):
            return True
    return False


def _is_shared_state(program: Program, scope: Scope, name: str) -> bool:
    """A module-level container, or a module-level name some function rebinds through `global`."""
    if scope.qualname(ast.Name(id=name)) != f"{scope.module.name}.{name}":
        return False
    if module_level_kind(program, scope.module, name) == "container":
        return True
    return any(isinstance(n, ast.Global) and name in n.names for s in scope.module.scopes for n in s.nodes())
