"""api-removed-v3: 2.x APIs that DBOS 3.0 removed; each crashes at import or launch."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import config_keys, config_literals
from graders.rules.model import Violation, violation
from graders.rules.program import Module, Program

RULE = "api-removed-v3"
_REMOVED_ATTRIBUTES = {
    "dbos.DBOS.transaction": (
        "@DBOS.transaction was removed in DBOS 3; create `ds = SQLAlchemyDatasource.create(url)` before "
        "launch and decorate with @ds.transaction(), using ds.sql_session() inside"),
    "dbos.DBOS.sql_session": (
        "DBOS.sql_session was removed in DBOS 3; use the session of a datasource transaction, "
        "ds.sql_session(), inside a @ds.transaction() function"),
    "dbos.DBOS.scheduled": (
        "@DBOS.scheduled was removed in DBOS 3; register schedules after launch with "
        "DBOS.apply_schedules([...]) or DBOS.create_schedule(...)"),
}
_REMOVED_CONFIG_KEYS = ("database_url", "application_database_url")
_REMOVED_QUEUE_OPTIONS = ("priority_enabled", "partition_queue")


def removed_api(program: Program) -> Iterator[Violation]:
    for module in program.modules:
        yield from _removed_names(module)
        for scope in module.scopes:
            for config in config_literals(scope):
                for key, node in (config_keys(config) or {}).items():
                    if key in _REMOVED_CONFIG_KEYS:
                        yield violation(RULE, module.path, node.lineno, (
                            f"config key \"{key}\" was removed in DBOS 3; DBOS keeps only its system "
                            "database (\"system_database_url\"); reach application data through a "
                            "SQLAlchemyDatasource created before launch"))


def _removed_names(module: Module) -> Iterator[Violation]:
    resolver = module.resolver
    subclasses_instance = {
        node.name for node in module.nodes if isinstance(node, ast.ClassDef)
        and any(resolver.qualname(b) == "dbos.DBOSConfiguredInstance" for b in node.bases)}
    for node in module.nodes:
        if isinstance(node, ast.Attribute):
            message = _REMOVED_ATTRIBUTES.get(resolver.qualname(node) or "")
            if message:
                yield violation(RULE, module.path, node.lineno, message)
        elif isinstance(node, ast.ClassDef) and node.name in subclasses_instance:
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and _is_super_init(call) and _has_kw(call, "instance_name"):
                    yield _instance_name(module, call)
        elif isinstance(node, ast.Call):
            yield from _removed_call(module, node)


def _removed_call(module: Module, call: ast.Call) -> Iterator[Violation]:
    name = module.resolver.call_name(call) or ""
    if name == "dbos.Queue":
        yield violation(RULE, module.path, call.lineno, (
            "Queue(...) can no longer be constructed in DBOS 3; call DBOS.register_queue(name, ...) after "
            "DBOS.launch() and enqueue with DBOS.enqueue_workflow(name, fn, ...) or queue.enqueue(...)"))
    elif name == "dbos.DBOS":
        for keyword in call.keywords:
            if keyword.arg in ("fastapi", "flask"):
                yield violation(RULE, module.path, call.lineno, (
                    f"DBOS({keyword.arg}=...) was removed in DBOS 3; pass only config=... and launch DBOS "
                    "yourself (for FastAPI, in the app's lifespan)"))
    elif name in ("dbos.DBOSConfiguredInstance", "dbos.DBOSConfiguredInstance.__init__") and _has_kw(
            call, "instance_name"):
        yield _instance_name(module, call)
    if name == "dbos.Queue" or (isinstance(call.func, ast.Attribute) and call.func.attr in (
            "register_queue", "register_queue_async")):
        for keyword in call.keywords:
            if keyword.arg in _REMOVED_QUEUE_OPTIONS:
                yield violation(RULE, module.path, call.lineno, (
                    f"queue option {keyword.arg} was removed in DBOS 3: priorities need no switch (set "
                    "SetEnqueueOptions(priority=...)) and partitioning follows from partition_concurrency / "
                    "partition_limiter with SetEnqueueOptions(queue_partition_key=...)"))


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (isinstance(func, ast.Attribute) and func.attr == "__init__" and isinstance(func.value, ast.Call)
            and isinstance(func.value.func, ast.Name) and func.value.func.id == "super")


def _has_kw(call: ast.Call, name: str) -> bool:
    return any(k.arg == name for k in call.keywords)


def _instance_name(module: Module, call: ast.Call) -> Violation:
    return violation(RULE, module.path, call.lineno, (
        "DBOSConfiguredInstance.__init__(instance_name=...) was removed in DBOS 3; pass the name as "
        "config_name=... (or positionally)"))
