"""Workflow-body rules: nondeterminism and non-durable sleeps, directly or in plain helpers it calls."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import is_sleep
from graders.rules.model import Violation, violation
from graders.rules.program import Program, Scope, context_label, written_with
from graders.rules.values import DB, NET, PATH, value_of

_RANDOM = ("random.", "secrets.", "numpy.random.")
_SEEDED = frozenset({"random.Random", "random.seed", "numpy.random.default_rng", "numpy.random.seed",
                     "numpy.random.RandomState"})
_EXACT = {
    **dict.fromkeys(("uuid.uuid1", "uuid.uuid4", "os.urandom", "os.getrandom"), "randomness"),
    **dict.fromkeys(("time.time", "time.time_ns", "time.monotonic", "time.monotonic_ns", "time.perf_counter",
                     "time.perf_counter_ns", "datetime.datetime.now", "datetime.datetime.utcnow",
                     "datetime.datetime.today", "datetime.date.today", "pendulum.now", "arrow.now",
                     "arrow.utcnow"), "the clock"),
    **dict.fromkeys(("urllib.request.urlopen", "urllib.request.urlretrieve", "socket.create_connection",
                     "socket.socket", "socket.getaddrinfo", "socket.gethostbyname", "smtplib.SMTP",
                     "smtplib.SMTP_SSL", "http.client.HTTPConnection", "http.client.HTTPSConnection",
                     "aiohttp.ClientSession", "urllib3.PoolManager", "urllib3.request", "openai.OpenAI",
                     "openai.AsyncOpenAI", "anthropic.Anthropic", "anthropic.AsyncAnthropic", "boto3.client",
                     "boto3.resource", "redis.Redis", "redis.from_url"), "network I/O"),
    **dict.fromkeys(("builtins.open", "io.open", "os.open", "os.remove", "os.unlink", "os.rename",
                     "os.listdir", "os.scandir", "shutil.copy", "shutil.copyfile", "shutil.move",
                     "shutil.rmtree"), "file I/O"),
    **dict.fromkeys(("sqlite3.connect", "psycopg.connect", "psycopg2.connect", "asyncpg.connect",
                     "sqlalchemy.create_engine", "sqlalchemy.orm.Session",
                     "sqlalchemy.ext.asyncio.create_async_engine", "pymongo.MongoClient"), "database I/O"),
}
# Functions that read the current time when called with fewer than this many arguments.
_CLOCK_BY_DEFAULT = {"time.localtime": 1, "time.gmtime": 1, "time.ctime": 1, "time.asctime": 1,
                     "time.strftime": 2}
_HTTP_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "request", "stream",
                         "Session", "session", "Client", "AsyncClient"})
_FILE_METHODS = frozenset({"read_text", "read_bytes", "write_text", "write_bytes"})
_PATH_METHODS = frozenset({"open", "unlink", "touch", "mkdir", "rename", "replace", "iterdir", "glob", "rglob",
                           "exists", "is_file", "is_dir", "stat"})
_DB_METHODS = frozenset({"execute", "executemany", "executescript", "sql_session"})


def nondeterministic(program: Program, scope: Scope, call: ast.Call) -> tuple[str, str] | None:
    """(what, kind) when `call` reads randomness, the clock, or does network, file, database or process I/O."""
    name = scope.call_name(call) or ""
    if name.startswith(_RANDOM) and not (name in _SEEDED and call.args):
        return name, "randomness"
    if name in _EXACT:
        return name, _EXACT[name]
    if name in _CLOCK_BY_DEFAULT and len(call.args) + len(call.keywords) < _CLOCK_BY_DEFAULT[name]:
        return name, "the clock"  # time.localtime() / time.strftime(fmt) read the current time
    if name.startswith("subprocess.") or name in ("os.system", "os.popen"):
        return name, "process I/O"
    module, _, attr = name.rpartition(".")
    if module in ("requests", "httpx") and attr in _HTTP_VERBS:
        return name, "network I/O"
    func = call.func
    if not isinstance(func, ast.Attribute) or program.resolve(scope, func) is not None:
        return None
    if func.attr in _FILE_METHODS:
        return f".{func.attr}", "file I/O"
    if func.attr in _DB_METHODS:
        return f".{func.attr}", "database I/O"
    held = value_of(program, scope, func.value)
    if held is not None and held.kind == PATH and func.attr in _PATH_METHODS:
        return f"{ast.unparse(func.value)}.{func.attr}", "file I/O"
    receiver: ast.expr = func.value
    while True:  # `client.chat.completions.create()`, `self.http.get()`: look for the client in the chain
        held = value_of(program, scope, receiver) if isinstance(receiver, (ast.Name, ast.Attribute)) else None
        if held is not None and held.kind in (NET, DB):
            kind = "network I/O" if held.kind == NET else "database I/O"
            return f"{ast.unparse(receiver)}.{func.attr}", kind
        if not isinstance(receiver, (ast.Attribute, ast.Subscript, ast.Call)):
            return None
        receiver = receiver.func if isinstance(receiver, ast.Call) else receiver.value


def nondeterminism(program: Program) -> Iterator[Violation]:
    """workflow-nondeterminism"""
    for scope, root in program.workflow_reach.items():
        for call in scope.calls():
            found = nondeterministic(program, scope, call)
            if found is None:
                continue
            what, kind = found
            yield violation("workflow-nondeterminism", scope.module.path, call.lineno, (
                f"{context_label(scope, root)} does {kind} ({what}) in the workflow body: on recovery the "
                "workflow is replayed and gets a different result; move it into a @DBOS.step() (or "
                "DBOS.run_step) so it runs once and its result is checkpointed"))


def time_sleep(program: Program) -> Iterator[Violation]:
    """workflow-time-sleep"""
    for scope, root in written_with(program.workflow_reach).items():
        for call in scope.calls():
            name = scope.call_name(call)
            if name not in ("time.sleep", "asyncio.sleep") or not is_sleep(scope, call):
                continue
            durable = "DBOS.sleep_async" if scope.is_async else "DBOS.sleep"
            yield violation("workflow-time-sleep", scope.module.path, call.lineno, (
                f"{name}() in {context_label(scope, root)} is not durable: after a restart the whole wait "
                f"starts again; use {durable}(seconds), which is checkpointed"))
