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
from graders.rules.program import MAIN, WORKFLOW, Module, Program, Scope, is_main_guard

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

