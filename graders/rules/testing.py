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
    """True when the system database URL is built from a fresh temporary name (tmp_path, tempfile, uuid):
    the hint must flow into the ``system_database_url`` value, not merely appear in the function."""
    tainted = set(_FRESH_DATABASE_HINTS)
    assigns = [n for n in scope.nodes() if isinstance(n, (ast.Assign, ast.AnnAssign)) and n.value is not None]
    changed = True
    while changed:
        changed = False
        for node in assigns:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            if _mentions(node.value, tainted):
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name) and name.id not in tainted:
                            tainted.add(name.id)
                            changed = True
    for node in scope.nodes():
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if _is_url_key(key) and _mentions(value, tainted):
                    return True
        elif isinstance(node, ast.Call):
            if any(k.arg == "system_database_url" and _mentions(k.value, tainted) for k in node.keywords):
                return True
        elif isinstance(node, ast.Subscript) and _is_url_key(node.slice):
            parent_assign = next((a for a in assigns if isinstance(a, ast.Assign) and node in a.targets), None)
            if parent_assign is not None and _mentions(parent_assign.value, tainted):
                return True
    return False


def _is_url_key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "system_database_url"


def _mentions(expr: ast.AST, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(expr))


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


