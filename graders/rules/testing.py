"""Test rules: pytest files reset the system database before launching, never after."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from graders.rules.dbos_api import dbos_method, in_order, is_launch, launches
from graders.rules.model import Violation, violation
from graders.rules.program import PLAIN, Module, Program, Scope, is_main_guard

_DROP_DATABASE = re.compile(r"\bdrop\s+database\b", re.IGNORECASE)
_FRESH_DATABASE_HINTS = ("tmp_path", "tmpdir", "tmp_path_factory", "tempfile", "uuid")


def no_reset(program: Program) -> Iterator[Violation]:
    """test-no-reset: a launch in a pytest file with no reset before it: in the same function (a reset
    after the launch is test-reset-after-launch), in a fixture it requests, or before the call in every
    caller. Not a missing reset: a launch on a fresh temporary database (tmp_path, tempfile, a uuid-named
    file); a restart (a second launch after one of the same test or of its fixtures, as recovery tests do);
    a reset through a helper or fixture of another name, or a helper that drops and recreates the
    database; files pytest never runs as tests (a `__main__` script with no test functions)."""
    for module in program.modules:
        if not module.is_pytest or _is_script(module):
            continue
        for scope in module.scopes:
            for call in scope.calls():
                if (is_launch(scope, call) and not _reset_before(program, scope, call)
                        and not _restarts(program, scope, call)):
                    yield violation("test-no-reset", module.path, call.lineno, (
                        "this test launches DBOS without resetting the system database, so workflows "
                        "and queues of earlier tests leak in; use a fixture that runs DBOS.destroy(), "
                        "DBOS(config=...), DBOS.reset_system_database(), DBOS.launch(), yield, "
                        "DBOS.destroy()"))


def _is_script(module: Module) -> bool:
    """A `test_*.py` run as a script: a `__main__` block, and no test functions, test classes or fixtures."""
    if module.name.rpartition(".")[2] == "conftest" or not any(is_main_guard(s) for s in module.tree.body):
        return False
    return not any(s.is_fixture or (s.node is not None and s.node.name.startswith("test")) for s in module.scopes
                   ) and not any(name.startswith("Test") for name in module.classes)


def _restarts(program: Program, scope: Scope, site: ast.Call, depth: int = 0) -> bool:
    """A launch after an earlier launch of the same function, or after one of the fixtures it requests:
    a deliberate restart on the state the first run left (the first launch is judged on its own). For a
    helper, when every caller has launched before calling it."""
    if any(launches(program, fixture) for fixture in program.fixtures(scope)):
        return True
    for call in scope.calls():
        if (call.lineno, call.col_offset) >= (site.lineno, site.col_offset):
            continue
        callee = program.resolve(scope, call.func)
        if is_launch(scope, call) or (callee is not None and callee.kind == PLAIN and launches(program, callee)):
            return True
    if scope.kind != PLAIN or scope.is_fixture or depth > 3:
        return False
    callers = program.callers.get(scope, [])
    return bool(callers) and all(_restarts(program, c, s, depth + 1) for c, s in callers)


def _resets(program: Program, scope: Scope) -> bool:
    """Whether `scope` (or a plain helper it calls) resets the system database: DBOS's reset, or a
    helper that drops the database to recreate it (`DROP DATABASE`, sqlalchemy_utils' drop_database)."""
    return program.transitively("reset", scope, lambda s: any(
        dbos_method(s, c) == "reset_system_database" or _drops_database(s, c) for c in s.calls()) or any(
        isinstance(n, ast.Constant) and isinstance(n.value, str) and _DROP_DATABASE.search(n.value)
        for n in s.nodes()))


def _drops_database(scope: Scope, call: ast.Call) -> bool:
    name = scope.call_name(call) or (call.func.attr if isinstance(call.func, ast.Attribute) else "")
    return name.rpartition(".")[2] == "drop_database"


def _reset_before(program: Program, scope: Scope, site: ast.Call, depth: int = 0) -> bool:
    if _uses_fresh_database(scope):
        return True
    if any(_resets(program, fixture) for fixture in program.fixtures(scope)):
        return True  # fixtures run before the function that requests them
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


