"""Lifecycle rules: where DBOS is configured and launched, and whether the version is pinned."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import (
    config_keys,
    config_literals,
    in_order,
    is_configure,
    is_launch,
)
from graders.rules.model import Violation, violation
from graders.rules.program import MAIN, PLAIN, WORKFLOW, Module, Program, Scope, is_main_guard
from graders.rules.values import bindings, module_bindings, string_value

_WEB_APPS = frozenset({"fastapi.FastAPI", "flask.Flask", "starlette.applications.Starlette"})


def launch_at_import(program: Program) -> Iterator[Violation]:
    """lifecycle-launch-at-import: DBOS(config=...) / DBOS.launch() run by importing the module."""
    rule = "lifecycle-launch-at-import"
    for module in program.modules:
        if module.is_package_main:
            continue  # its module-level code is the script's main
        top = module.scopes[0]
        for call in in_order(top.calls()):
            if is_launch(top, call):
                yield violation(rule, module.path, call.lineno, (
                    "DBOS.launch() runs when this module is imported (by a test, a worker, a tool); "
                    "launch from main(), `if __name__ == \"__main__\":` or a FastAPI lifespan instead"))
            elif is_configure(top, call):
                yield violation(rule, module.path, call.lineno, (
                    "DBOS(config=...) runs when this module is imported; create the DBOS instance in "
                    "main(), `if __name__ == \"__main__\":` or a FastAPI lifespan, right before DBOS.launch()"))
            else:
                callee = program.resolve(top, call.func)
                if callee is not None and callee.kind != WORKFLOW and _starts_dbos(program, callee):
                    yield violation(rule, module.path, call.lineno, (
                        f"`{callee.name}()` is called at import time and configures or launches DBOS; "
                        "call it under `if __name__ == \"__main__\":` or from a FastAPI lifespan"))


def _starts_dbos(program: Program, scope: Scope) -> bool:
    return program.transitively("configure-or-launch", scope, lambda s: any(
        is_launch(s, c) or is_configure(s, c) for c in s.calls()))


def entry_modules(program: Program) -> list[Module]:
    """Modules that are run, not imported: a `__main__` block or `__main__.py`, module-level
    `DBOS(config=...)`, or a module-level web app (served by uvicorn/flask). Test files are not."""
    return [m for m in program.modules if not m.is_test and (
        m.is_package_main or any(s.kind == MAIN for s in m.scopes) or _starts_at_module_level(m))]


def _starts_at_module_level(module: Module) -> bool:
    top = module.scopes[0]
    return any(is_configure(top, c) or top.call_name(c) in _WEB_APPS for c in top.calls())


def no_launch(program: Program) -> Iterator[Violation]:
    """lifecycle-no-launch: an entry module whose program (it and the workspace modules it imports)
    configures DBOS, or defines workflows and has a __main__, but never calls DBOS.launch(). Libraries
    (no entry module) and test files are not programs; a library launched by its tests is fine."""
    message = ("DBOS is {what} but DBOS.launch() is never called, so no workflow runs or recovers; "
               "call DBOS.launch() after DBOS(config=...) in main() or the FastAPI lifespan")
    for entry in entry_modules(program):
        modules = program.closure(entry)
        scopes = [s for m in modules for s in m.scopes]
        if _program_launches(scopes) or _launched_by_importer(program, entry):
            continue
        configures = [(s.module, c) for s in scopes for c in s.calls() if is_configure(s, c)]
        if configures:
            module, call = min(configures, key=lambda mc: (mc[0] is not entry, mc[0].path, mc[1].lineno))
            yield violation("lifecycle-no-launch", module.path, call.lineno, message.format(what="configured"))
        elif any(s.kind == WORKFLOW for s in scopes) and any(is_main_guard(s) for s in entry.tree.body):
            guard = next(s for s in entry.tree.body if is_main_guard(s))
            yield violation("lifecycle-no-launch", entry.path, guard.lineno,
                            message.format(what="used by workflows run from `__main__`"))


def _program_launches(scopes: list[Scope]) -> bool:
    return any(_may_launch(s, c) for s in scopes for c in s.calls())


def _launched_by_importer(program: Program, entry: Module) -> bool:
    """A setup module (module-level `DBOS(config=...)` or web app, no `__main__` of its own) is part of the
    program of every workspace module that imports it: launching there (in `main()`, a lifespan, a startup
    hook) launches it. Test files are not programs."""
    if entry.is_package_main or any(is_main_guard(s) for s in entry.tree.body):
        return False
    for importer in program.modules:
        if importer is entry or importer.is_test:
            continue
        modules = program.closure(importer)
        if entry in modules and _program_launches([s for m in modules for s in m.scopes]):
            return True
    return False


def _may_launch(scope: Scope, call: ast.Call) -> bool:
    """DBOS.launch(), or any `<x>.launch()` this module cannot see through (`app.state.dbos.launch()`)."""
    return is_launch(scope, call) or (isinstance(call.func, ast.Attribute) and call.func.attr == "launch")


def no_app_version(program: Program) -> Iterator[Violation]:
    """lifecycle-no-app-version: a DBOS config without application_version. Test configs are skipped, and
    so is a workspace that sets or reads DBOS__APPVERSION (the version then comes from the environment)."""
    if any(_mentions_env_version(m.nodes) for m in program.modules):
        return
    for module in program.modules:
        if module.is_test:
            continue
        later_set = _sets_version_later(module.nodes)
        for scope in module.scopes:
            for config in config_literals(scope):
                keys = config_keys(config)
                if keys is None or "application_version" in keys or later_set:
                    continue
                yield violation("lifecycle-no-app-version", module.path, config.lineno, (
                    "this DBOSConfig has no application_version: DBOS then versions the app by a hash of "
                    "the workflow code, so after any edit pending workflows are not recovered; set "
                    "\"application_version\" (e.g. from an environment variable)"))


def _mentions_env_version(nodes: list[ast.AST]) -> bool:
    return any(isinstance(n, ast.Constant) and isinstance(n.value, str) and "DBOS__APPVERSION" in n.value
               for n in nodes)


def _sets_version_later(nodes: list[ast.AST]) -> bool:
    """`config["application_version"] = ...`, `.update(application_version=...)` and the like."""
    for node in nodes:
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and _is_key(node.slice):
            return True
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("update", "setdefault")):
            if any(k.arg == "application_version" for k in node.keywords) or any(map(_is_key, node.args)):
                return True
            if any(isinstance(a, ast.Dict) and any(map(_is_key, a.keys)) for a in node.args):
                return True
    return False


def _is_key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "application_version"



_ENV_READS = frozenset({"os.environ.get", "os.getenv"})
_DATASOURCES = frozenset({"dbos.SQLAlchemyDatasource.create", "dbos.AsyncSQLAlchemyDatasource.create"})


def silent_db_fallback(program: Program) -> Iterator[Violation]:
    """lifecycle-silent-db-fallback: a default SQLite URL written into the read of an environment variable
    (`os.environ.get("X", "sqlite:///...")`, `os.getenv(...)`, `... or "sqlite:///..."`) that flows into
    the system database URL of a DBOS config or DBOSClient, or a datasource's URL. Followed through names
    (local, enclosing, module-level, imported) and the returns of workspace functions. Also a config whose
    `system_database_url` is directly `os.environ.get("X")` (or a helper returning just that): DBOS 3.4.0
    replaces a missing or empty URL with `sqlite:///<name>.sqlite`. Test files, pytest fixtures and test
    functions are skipped (a fresh database is what a test wants); a default assigned in its own branch
    that logs or warns is an explicit development default, not a silent one."""
    for module in program.modules:
        if module.is_test:
            continue
        for scope in module.scopes:
            if scope.is_fixture or scope.name.rpartition(".")[2].startswith("test_"):
                continue  # test code, wherever it lives: a fresh database is what it wants
            for sink, is_config in _database_urls(scope):
                found = _fallback_in(program, scope, sink, 0)
                if found is not None:
                    where, node = found
                    yield violation("lifecycle-silent-db-fallback", where.module.path, node.lineno, (
                        "when the variable is unset this silently uses a local SQLite file: the program "
                        f"starts from an empty database, recovers nothing and redoes work that already ran; {_FIX}"))
                elif is_config and _unset_is_none(program, scope, sink):
                    yield violation("lifecycle-silent-db-fallback", module.path, sink.lineno, (
                        "when the variable is unset this passes None, and DBOS then silently uses "
                        f"sqlite:///<app name>.sqlite: the program starts from an empty database; {_FIX}"))


_FIX = ("require the configured URL (`os.environ[\"...\"]`, or exit with a message naming the variable), or "
        "make a development default explicit and log it")


def _database_urls(scope: Scope) -> Iterator[tuple[ast.expr, bool]]:
    """Expressions used as a system database URL (config key, `system_database_url=`) or datasource URL,
    each with whether it is a DBOS config's (where DBOS itself replaces None by a SQLite file)."""
    for node in scope.nodes():
        if isinstance(node, ast.Dict):
            yield from ((v, True) for k, v in zip(node.keys, node.values, strict=True) if _is_url_key(k))
        elif isinstance(node, ast.Call):
            is_config = scope.call_name(node) != "dbos.DBOSClient"
            yield from ((k.value, is_config) for k in node.keywords if k.arg == "system_database_url")
            if scope.call_name(node) in _DATASOURCES:
                yield from ((a, False) for a in node.args[:1])
                yield from ((k.value, False) for k in node.keywords if k.arg == "database_url")
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Subscript) and _is_url_key(t.slice) for t in node.targets):
            yield node.value, True


def _unset_is_none(program: Program, scope: Scope, expr: ast.expr) -> bool:
    """`os.environ.get("X")` with no default, written as the URL itself or as all a helper returns."""
    if not isinstance(expr, ast.Call):
        return False
    if scope.call_name(expr) in _ENV_READS:
        return _reads_none_when_unset(scope, expr)
    callee = program.resolve(scope, expr.func)
    if callee is None or callee.kind != PLAIN:
        return False
    returns = [r.value for r in callee.nodes() if isinstance(r, ast.Return)]
    return bool(returns) and all(isinstance(r, ast.Call) and callee.call_name(r) in _ENV_READS
                                 and _reads_none_when_unset(callee, r) for r in returns)


def _reads_none_when_unset(scope: Scope, read: ast.Call) -> bool:
    default = read.args[1] if len(read.args) > 1 else next(
        (k.value for k in read.keywords if k.arg == "default"), None)
    return default is None or (isinstance(default, ast.Constant) and default.value in (None, ""))


def _is_url_key(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value == "system_database_url"


def _fallback_in(program: Program, scope: Scope, expr: ast.expr, depth: int) -> tuple[Scope, ast.AST] | None:
    """The silent SQLite fallback `expr` evaluates, with the scope it is written in."""
    if depth > 4:
        return None
    for node in ast.walk(expr):
        if _is_sqlite_fallback(program, scope, node):
            return scope, node
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            found = _bound_elsewhere(program, scope, node)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            found = _module_constant(program, scope, node)
        elif isinstance(node, ast.Call):
            callee = program.resolve(scope, node.func)
            found = [(callee, r.value) for r in callee.nodes() if isinstance(r, ast.Return) and r.value
                     ] if callee is not None and callee.kind == PLAIN else []
        else:
            found = []
        for where, value in found:
            hit = _fallback_in(program, where, value, depth + 1)
            if hit is not None:
                return hit
    return None


def _bound_elsewhere(program: Program, scope: Scope, name: ast.Name) -> list[tuple[Scope, ast.expr]]:
    bound = bindings(scope, name.id)
    if bound is not None:
        return [(bound[0], v) for v in bound[1] if isinstance(v, ast.expr)]
    return _module_constant(program, scope, name)


def _module_constant(program: Program, scope: Scope, expr: ast.expr) -> list[tuple[Scope, ast.expr]]:
    """`settings.DB_URL` or an imported `DB_URL`: what the workspace module defining it binds it to."""
    qualified = scope.qualname(expr)
    if not qualified or "." not in qualified:
        return []
    module_name, _, attr = qualified.rpartition(".")
    module = program.find_module(module_name, scope.module)
    if module is None:
        return []
    top = module.scopes[0]
    return [(top, v) for v in module_bindings(top, attr) if isinstance(v, ast.expr)]


def _is_sqlite_fallback(program: Program, scope: Scope, node: ast.AST) -> bool:
    """`os.environ.get(X, "sqlite:...")`, `os.getenv(X, "sqlite:...")`, `<env read> or "sqlite:..."`."""
    if isinstance(node, ast.Call) and scope.call_name(node) in _ENV_READS:
        default = node.args[1] if len(node.args) > 1 else next(
            (k.value for k in node.keywords if k.arg == "default"), None)
        return default is not None and _is_sqlite(program, scope, default)
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        reads_env = any(_reads_env(scope, v) for v in node.values[:-1])
        return reads_env and any(_is_sqlite(program, scope, v) for v in node.values[1:])
    return False


def _reads_env(scope: Scope, expr: ast.expr) -> bool:
    return any((isinstance(n, ast.Call) and scope.call_name(n) in _ENV_READS)
               or (isinstance(n, ast.Subscript) and scope.qualname(n.value) == "os.environ")
               for n in ast.walk(expr))


def _is_sqlite(program: Program, scope: Scope, expr: ast.expr) -> bool:
    """A SQLite URL: a literal or f-string starting with `sqlite`, or a constant bound to one."""
    if isinstance(expr, ast.JoinedStr) and expr.values:
        expr = expr.values[0]
    text = string_value(program, scope, expr)
    return text is not None and text.startswith("sqlite")
