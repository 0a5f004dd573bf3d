"""Where the value a poll loop waits on comes from (comm-poll-loop).

Polling is the pitfall only when the awaited state is written by something that could signal instead: a
DBOS workflow (its status, events, streams), or the application's own code (module state, a file or table
it writes). An outside system (a paging provider, an HTTP API, a file or table nothing in the program
writes) can only be polled, and a step that asks it once, called between durable `DBOS.sleep`s, is the
right way to wait for it. `signal_source` follows the polled call through the workspace functions it
reaches (steps and plain helpers, in any module) and sorts what they read into APP or OUTSIDE.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator

from graders.rules.dbos_api import dbos_method
from graders.rules.program import IMPORT, WORKFLOW, Program, Scope
from graders.rules.state import module_level_kind
from graders.rules.values import HANDLE, PATH, bindings, string_value, value_of
from graders.rules.workflow import nondeterministic

APP, OUTSIDE = "app", "outside"

_DBOS_READS = ("get_", "retrieve_", "list_", "read_stream")
_HANDLE_READS = frozenset({"get_status", "get_status_async", "get_result", "get_result_async"})
_READ_METHODS = frozenset({"read_text", "read_bytes", "exists", "is_file", "is_dir", "stat", "iterdir", "glob",
                           "rglob"})
_WRITE_METHODS = frozenset({"write_text", "write_bytes", "touch", "mkdir", "unlink", "rename", "replace"})
_PATH_KEEPERS = frozenset({"joinpath", "with_suffix", "with_name", "resolve", "absolute", "expanduser"})
_PATH_MAKERS = frozenset({"pathlib.Path", "pathlib.PurePath", "os.path.join", "builtins.str", "os.fspath"})
_OS_READS = frozenset({"os.listdir", "os.scandir", "os.stat", "os.path.exists", "os.path.isfile",
                       "os.path.isdir", "os.path.getmtime", "os.path.getsize"})
_OS_WRITES = {"os.remove": 0, "os.unlink": 0, "os.mkdir": 0, "os.makedirs": 0, "os.rename": 1, "os.replace": 1,
              "shutil.copy": 1, "shutil.copyfile": 1, "shutil.move": 1}
_DB_CALLS = frozenset({"execute", "executemany", "executescript"})
_SQL_READ = re.compile(r"\b(?:from|join)\s+([\w.\"`]+)", re.IGNORECASE)
_SQL_WRITE = re.compile(r"\b(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from|replace\s+into|merge\s+into)"
                        r"\s+([\w.\"`]+)", re.IGNORECASE)
# Libraries that hold or shape the application's own data, not clients of an outside service.
_LOCAL_LIBRARIES = frozenset({"dbos", "sqlalchemy", "sqlmodel", "psycopg", "psycopg2", "psycopg_pool", "asyncpg",
                              "pydantic", "pandas", "numpy", "fastapi", "flask", "starlette", "pytest"})


def signal_source(program: Program, scope: Scope, call: ast.Call) -> str | None:
    """APP when the polled `call` reads state a workflow or the app writes, OUTSIDE when everything it
    reads belongs to an outside system, None when the code does not show."""
    direct = _call_source(program, scope, call)
    callee = program.resolve(scope, call.func)
    if direct == APP or callee is None or callee.kind == WORKFLOW:
        return direct
    found = set(_reach_sources(program, callee))
    return APP if APP in found else OUTSIDE if OUTSIDE in found or direct == OUTSIDE else None


def _reach_sources(program: Program, root: Scope) -> Iterator[str]:
    """What `root` and the workspace functions it calls (steps and helpers, not workflows) read."""
    seen, queue = {root}, [root]
    while queue:
        scope = queue.pop()
        for node in scope.nodes():
            if isinstance(node, ast.Call):
                source = _call_source(program, scope, node)
                if source is not None:
                    yield source
            elif isinstance(node, (ast.Name, ast.Attribute)) and isinstance(node.ctx, ast.Load):
                if _is_app_state(program, scope, node):
                    yield APP
        for _, callee in program.callees(scope):
            if callee.kind != WORKFLOW and callee not in seen:
                seen.add(callee)
                queue.append(callee)


def _call_source(program: Program, scope: Scope, call: ast.Call) -> str | None:
    method = dbos_method(scope, call) or ""
    if method.startswith(_DBOS_READS):
        return APP  # a workflow's status, events or stream: wait on its handle, get_event or recv
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in _HANDLE_READS:
        held = value_of(program, scope, func.value)
        if held is not None and held.kind == HANDLE:
            return APP
    file = _file_access(program, scope, call)
    if file is not None:
        key, writes = file
        if writes or key is None:
            return None
        return APP if key in _written_files(program) else OUTSIDE
    tables = _sql_tables(program, scope, call)
    if tables is not None:
        return None if not tables else APP if tables & _written_tables(program) else OUTSIDE
    found = nondeterministic(program, scope, call)
    if found is not None and found[1] in ("network I/O", "process I/O"):
        return OUTSIDE
    return OUTSIDE if _outside_library(program, scope, call) else None


def _is_app_state(program: Program, scope: Scope, expr: ast.Name | ast.Attribute) -> bool:
    """A module-level container or `global` the program's own code changes (another workflow's flag)."""
    if isinstance(expr, ast.Name):
        found = bindings(scope, expr.id)
        if found is not None and found[0].kind != IMPORT:
            return False  # a local
    qualified = scope.qualname(expr)
    if not qualified or "." not in qualified or qualified.startswith(("builtins.", "dbos.")):
        return False
    module_name, _, name = qualified.rpartition(".")
    module = program.find_module(module_name, scope.module)
    if module is None:
        return False
    changed = _changed_state(program)
    return (module.name, name) in changed and (
        module_level_kind(program, module, name) == "container" or (module.name, name, "global") in changed)


def _changed_state(program: Program) -> set[tuple[str, ...]]:
    """(module, name) of module-level state some non-test code mutates or rebinds through `global`."""
    memo = program.memo
    if "changed_state" not in memo:
        changed: set[tuple[str, ...]] = set()
        for module in program.modules:
            if module.is_test:
                continue
            for scope in module.scopes:
                for node in scope.nodes():
                    if isinstance(node, ast.Global):
                        for name in node.names:
                            changed.update({(module.name, name), (module.name, name, "global")})
                    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                        target = _state_target(program, scope, node.func.value)
                        if target and node.func.attr in _MUTATORS:
                            changed.add(target)
                    elif isinstance(node, (ast.Assign, ast.AugAssign, ast.Delete)):
                        targets = node.targets if isinstance(node, (ast.Assign, ast.Delete)) else [node.target]
                        for item in targets:
                            if isinstance(item, ast.Subscript):
                                target = _state_target(program, scope, item.value)
                                if target:
                                    changed.add(target)
        memo["changed_state"] = changed
    return memo["changed_state"]


_MUTATORS = frozenset({"append", "extend", "insert", "remove", "pop", "popitem", "clear", "update", "setdefault",
                       "add", "discard", "appendleft", "popleft", "__setitem__"})


def _state_target(program: Program, scope: Scope, expr: ast.expr) -> tuple[str, str] | None:
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    if isinstance(expr, ast.Name):
        found = bindings(scope, expr.id)
        if found is not None and found[0].kind != IMPORT:
            return None
    qualified = scope.qualname(expr)
    if not qualified or "." not in qualified:
        return None
    module_name, _, name = qualified.rpartition(".")
    module = program.find_module(module_name, scope.module)
    return (module.name, name) if module is not None else None


# --- files ------------------------------------------------------------------------------------------------
def _file_access(program: Program, scope: Scope, call: ast.Call) -> tuple[str | None, bool] | None:
    """(the path's identity, whether the call writes) when `call` touches a file, else None."""
    name = scope.call_name(call) or ""
    if name in ("builtins.open", "io.open") and call.args:
        return _path_key(program, scope, call.args[0]), _writes_mode(_mode(call, 1))
    if name in _OS_READS and call.args:
        return _path_key(program, scope, call.args[0]), False
    if name in _OS_WRITES and len(call.args) > _OS_WRITES[name]:
        return _path_key(program, scope, call.args[_OS_WRITES[name]]), True
    func = call.func
    if not isinstance(func, ast.Attribute) or program.resolve(scope, func) is not None:
        return None
    is_path = func.attr in ("read_text", "read_bytes", "write_text", "write_bytes") or (
        (held := value_of(program, scope, func.value)) is not None and held.kind == PATH)
    if not is_path:
        return None
    if func.attr == "open":
        return _path_key(program, scope, func.value), _writes_mode(_mode(call, 0))
    if func.attr in _READ_METHODS or func.attr in _WRITE_METHODS:
        return _path_key(program, scope, func.value), func.attr in _WRITE_METHODS
    return None


def _mode(call: ast.Call, position: int) -> str:
    arg = call.args[position] if len(call.args) > position else next(
        (k.value for k in call.keywords if k.arg == "mode"), None)
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else "r"


def _writes_mode(mode: str) -> bool:
    return any(flag in mode for flag in "wax+")


def _path_key(program: Program, scope: Scope, expr: ast.expr, depth: int = 0) -> str | None:
    """What names a file: the module-level name or literal it is built from (`DIR / f"{id}.json"` -> DIR)."""
    if depth > 6:
        return None
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return repr(expr.value)
    if isinstance(expr, ast.Name):
        found = bindings(scope, expr.id)
        if found is not None and found[0].kind != IMPORT:
            where, bound = found
            single = bound[0] if len(bound) == 1 else None
            return _path_key(program, where, single, depth + 1) if isinstance(single, ast.expr) else None
        return scope.qualname(expr)
    if isinstance(expr, ast.Attribute):
        return scope.qualname(expr)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
        return _path_key(program, scope, expr.left, depth + 1)
    if isinstance(expr, ast.Call):
        if scope.call_name(expr) in _PATH_MAKERS and expr.args:
            return _path_key(program, scope, expr.args[0], depth + 1)
        if isinstance(expr.func, ast.Attribute) and expr.func.attr in _PATH_KEEPERS:
            return _path_key(program, scope, expr.func.value, depth + 1)
    return None


def _written_files(program: Program) -> set[str]:
    memo = program.memo
    if "written_files" not in memo:
        memo["written_files"] = {
            key for scope in _app_scopes(program) for call in scope.calls()
            for key, writes in [_file_access(program, scope, call) or (None, False)] if writes and key}
    return memo["written_files"]


# --- SQL --------------------------------------------------------------------------------------------------
def _sql_tables(program: Program, scope: Scope, call: ast.Call) -> set[str] | None:
    """The tables a query reads (empty when the text cannot be seen), or None when `call` runs no SQL."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in _DB_CALLS or program.resolve(scope, func):
        return None
    text = string_value(program, scope, call.args[0]) if call.args else None
    if text is None or _SQL_WRITE.search(text):
        return set()
    return {_table(t) for t in _SQL_READ.findall(text)}


def _written_tables(program: Program) -> set[str]:
    memo = program.memo
    if "written_tables" not in memo:
        memo["written_tables"] = {
            _table(t) for scope in _app_scopes(program) for node in scope.nodes()
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            for t in _SQL_WRITE.findall(node.value)}
    return memo["written_tables"]


def _table(name: str) -> str:
    return name.strip("\"`").rpartition(".")[2].strip("\"`").lower()


def _app_scopes(program: Program) -> Iterator[Scope]:
    """Code of the application itself: test files only simulate the outside world."""
    return (s for m in program.modules if not m.is_test for s in m.scopes)


# --- outside libraries ----------------------------------------------------------------------------------
def _outside_library(program: Program, scope: Scope, call: ast.Call) -> bool:
    """A call into an installed client library (`stripe.PaymentIntent.retrieve`), not the stdlib or ours."""
    name = scope.call_name(call) or ""
    top = name.split(".")[0]
    if not name or top in sys.stdlib_module_names or top in _LOCAL_LIBRARIES or top == "builtins":
        return False
    return program.find_module(top, scope.module) is None
