"""Test rules: pytest files reset the system database before launching, never after."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import dbos_method, in_order, is_launch, launches
from graders.rules.model import Violation, violation
from graders.rules.program import PLAIN, Program, Scope

_FRESH_DATABASE_HINTS = ("tmp_path", "tmpdir", "tmp_path_factory", "tempfile", "uuid")


def no_reset(program: Program) -> Iterator[Violation]:
    """test-no-reset: a launch in a pytest file with no reset in the same function (a reset after the
    launch is test-reset-after-launch) or before the call in every caller. A launch on a fresh temporary
    database (tmp_path, tempfile, a uuid-named file) needs none."""
    for module in program.modules:
        if not module.is_pytest:
            continue
        for scope in module.scopes:
            for call in scope.calls():
                if is_launch(scope, call) and not _reset_before(program, scope, call):
                    yield violation("test-no-reset", module.path, call.lineno, (
                        "this test launches DBOS without resetting the system database, so workflows "
                        "and queues of earlier tests leak in; use a fixture that runs DBOS.destroy(), "
                        "DBOS(config=...), DBOS.reset_system_database(), DBOS.launch(), yield, "
                        "DBOS.destroy()"))


def _resets(program: Program, scope: Scope) -> bool:
    return program.transitively("reset", scope, lambda s: any(
        dbos_method(s, c) == "reset_system_database" for c in s.calls()))


def _reset_before(program: Program, scope: Scope, site: ast.Call, depth: int = 0) -> bool:
    if _uses_fresh_database(scope):
        return True
    for call in scope.calls():
        callee = program.resolve(scope, call.func)
        if dbos_method(scope, call) == "reset_system_database":
            return True  # a reset after the launch is test-reset-after-launch's finding, not this one
        before = (call.lineno, call.col_offset) < (site.lineno, site.col_offset)
        if before and callee is not None and callee.kind == PLAIN and _resets(program, callee):
            return True
    if scope.kind != PLAIN or scope.is_fixture or depth > 3:
        return False
    callers = program.callers.get(scope, [])
    return bool(callers) and all(_reset_before(program, c, s, depth + 1) for c, s in callers)


def _uses_fresh_database(scope: Scope) -> bool:
    names = {n.id for n in scope.nodes() if isinstance(n, ast.Name)}
    if scope.node is not None:
        names.update(a.arg for a in scope.node.args.args)
    return any(hint in names for hint in _FRESH_DATABASE_HINTS)


def reset_after_launch(program: Program) -> Iterator[Violation]:
    """test-reset-after-launch: in one function, a reset whose last preceding launch/destroy is a launch."""
    for scope in program.scopes:
        state = None
        for call in in_order(scope.calls()):
            method = dbos_method(scope, call)
            callee = program.resolve(scope, call.func)
            if method == "launch" or (callee is not None and callee.kind == PLAIN and launches(program, callee)):
                state = "launched"
            elif method == "destroy":
                state = "destroyed"
            elif method == "reset_system_database" and state == "launched":
                yield violation("test-reset-after-launch", scope.module.path, call.lineno, (
                    "DBOS.reset_system_database() after DBOS.launch(): it wipes the database under the "
                    "running instance; reset before launching (destroy -> DBOS(config) -> reset -> launch)"))


