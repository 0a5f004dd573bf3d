"""What a name holds: a queue, a DBOSClient, an executor, a network or database client, a handle.

Found from the assignments that bind the name (`q = DBOS.register_queue("q")`, `with
ThreadPoolExecutor() as pool`, `self.client = DBOSClient(...)`, a parameter annotated `DBOSClient`),
looked up in the scope, its enclosing functions, then the module's top level.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from graders.rules.program import IMPORT, Program, Scope

QUEUE, CLIENT, EXECUTOR, DATASOURCE, HANDLE, ASYNC_HANDLE, NET, DB, PATH = (
    "queue", "client", "executor", "datasource", "handle", "async_handle", "net", "db", "path")

_MAKERS = {
    "dbos.DBOSClient": CLIENT,
    "dbos.SQLAlchemyDatasource.create": DATASOURCE,
    "dbos.AsyncSQLAlchemyDatasource.create": DATASOURCE,
    **dict.fromkeys(("dbos.Queue", "dbos.DBOS.register_queue", "dbos.DBOS.register_queue_async",
                     "dbos.DBOS.retrieve_queue", "dbos.DBOS.retrieve_queue_async"), QUEUE),
    **dict.fromkeys(("dbos.DBOS.start_workflow", "dbos.DBOS.retrieve_workflow", "dbos.DBOS.enqueue_workflow",
                     "dbos.DBOS.enqueue_workflow_with_options"), HANDLE),
    **dict.fromkeys(("dbos.DBOS.start_workflow_async", "dbos.DBOS.retrieve_workflow_async",
                     "dbos.DBOS.enqueue_workflow_async", "dbos.DBOS.enqueue_workflow_with_options_async"),
                    ASYNC_HANDLE),
    **dict.fromkeys(("concurrent.futures.ThreadPoolExecutor", "concurrent.futures.ProcessPoolExecutor",
                     "multiprocessing.Pool", "multiprocessing.pool.Pool", "multiprocessing.pool.ThreadPool",
                     "concurrent.futures.thread.ThreadPoolExecutor"), EXECUTOR),
    **dict.fromkeys(("requests.Session", "requests.session", "httpx.Client", "httpx.AsyncClient",
                     "aiohttp.ClientSession", "urllib3.PoolManager", "smtplib.SMTP", "smtplib.SMTP_SSL",
                     "openai.OpenAI", "openai.AsyncOpenAI", "anthropic.Anthropic",
                     "anthropic.AsyncAnthropic", "boto3.client", "boto3.resource", "stripe.StripeClient",
                     "http.client.HTTPConnection", "http.client.HTTPSConnection", "socket.socket",
                     "socket.create_connection", "redis.Redis", "redis.StrictRedis",
                     "redis.from_url"), NET),
    **dict.fromkeys(("pathlib.Path", "pathlib.Path.home", "pathlib.Path.cwd"), PATH),
    **dict.fromkeys(("sqlite3.connect", "psycopg.connect", "psycopg2.connect", "asyncpg.connect",
                     "asyncpg.create_pool", "sqlalchemy.create_engine",
                     "sqlalchemy.ext.asyncio.create_async_engine", "sqlalchemy.orm.Session",
                     "sqlalchemy.orm.sessionmaker", "pymongo.MongoClient",
                     "psycopg_pool.ConnectionPool"), DB),
}
_DB_OPENERS = frozenset({"connect", "begin", "cursor", "session", "Session"})


@dataclass(frozen=True)
class Value:
    kind: str
    detail: str | None = None  # a queue's name when it is a literal


UNKNOWN = Value("unknown")  # bound to something this module cannot tell (a parameter, a loop variable)
_ANNOTATED = {"dbos.DBOSClient": Value(CLIENT), "dbos.Queue": Value(QUEUE)}


def value_of(program: Program, scope: Scope, expr: ast.expr | None, depth: int = 0) -> Value | None:
    """What `expr` evaluates to, when it is one of the kinds above."""
    if expr is None or depth > 6:
        return None
    if isinstance(expr, ast.Await):
        return value_of(program, scope, expr.value, depth + 1)
    if isinstance(expr, ast.Call):
        return _made_by(program, scope, expr, depth)
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):  # Path("data") / "ledger.jsonl"
        left = value_of(program, scope, expr.left, depth + 1)
        return left if left is not None and left.kind == PATH else None
    if isinstance(expr, ast.Name):
        found = _binding(scope, expr.id)
        if found is None:
            return None
        where, bound = found
        if isinstance(bound[-1], Value):
            return bound[-1]
        return value_of(program, where, bound[-1], depth + 1)
    if (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)
            and expr.value.id in ("self", "cls") and scope.owner is not None):
        for method in scope.owner.methods.values():
            bound = _bindings(method).get(f"self.{expr.attr}")
            if bound and isinstance(bound[-1], ast.expr):
                return value_of(program, method, bound[-1], depth + 1)
    return None


def string_value(program: Program, scope: Scope, expr: ast.expr | None, depth: int = 0) -> str | None:
    """A string an expression always has: a literal, or a name bound exactly once, to a literal."""
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    if depth > 4 or not isinstance(expr, (ast.Name, ast.Attribute)):
        return None
    if isinstance(expr, ast.Name):
        found = single_binding(scope, expr.id)
        return string_value(program, found[0], found[1], depth + 1) if found else None
    qualified = scope.qualname(expr)
    if qualified and "." in qualified:
        module_name, _, attr = qualified.rpartition(".")
        module = program.find_module(module_name, scope.module)
        bound = _bindings(module.scopes[0]).get(attr) if module is not None else None
        if module is not None and bound and len(bound) == 1 and isinstance(bound[0], ast.expr):
            return string_value(program, module.scopes[0], bound[0], depth + 1)
    return None


def single_binding(scope: Scope, name: str) -> tuple[Scope, ast.expr] | None:
    """The one expression `name` is bound to (and the scope binding it), if it is bound exactly once."""
    found = _binding(scope, name)
    if found is None or len(found[1]) != 1 or not isinstance(found[1][0], ast.expr):
        return None
    return found[0], found[1][0]


def queue_name_arg(program: Program, scope: Scope, call: ast.Call) -> str | None:
    """The queue name a register/retrieve/Queue call names (first argument or `name=`)."""
    arg = call.args[0] if call.args else next(
        (k.value for k in call.keywords if k.arg in ("name", "queue_name")), None)
    return string_value(program, scope, arg)


def _made_by(program: Program, scope: Scope, call: ast.Call, depth: int) -> Value | None:
    kind = _MAKERS.get(scope.call_name(call) or "")
    if kind == QUEUE:
        return Value(QUEUE, queue_name_arg(program, scope, call))
    if kind is not None:
        return Value(kind)
    func = call.func
    if not isinstance(func, ast.Attribute):
        return None
    receiver = value_of(program, scope, func.value, depth + 1)
    if receiver is None:
        return None
    if receiver.kind == CLIENT and func.attr in ("register_queue", "retrieve_queue",
                                                 "register_queue_async", "retrieve_queue_async"):
        return Value(QUEUE, queue_name_arg(program, scope, call))
    if receiver.kind in (QUEUE, CLIENT) and func.attr in ("enqueue", "retrieve_workflow"):
        return Value(HANDLE)
    if receiver.kind in (QUEUE, CLIENT) and func.attr in ("enqueue_async", "retrieve_workflow_async"):
        return Value(ASYNC_HANDLE)
    if receiver.kind in (DB, NET) and func.attr in _DB_OPENERS:
        return Value(receiver.kind)
    return None


Bound = list[ast.expr | Value]  # what a name is bound to, in order; UNKNOWN for a value not written out


def bindings(scope: Scope, name: str) -> tuple[Scope, Bound] | None:
    """Every expression (or Value) `name` is bound to in the nearest scope binding it, and that scope."""
    return _binding(scope, name)


def module_bindings(module_scope: Scope, name: str) -> Bound:
    """What the module-level code of a module binds `name` to."""
    return _bindings(module_scope).get(name, [])


def _binding(scope: Scope, name: str) -> tuple[Scope, Bound] | None:
    """The bindings of `name` in the nearest scope that binds it: this one, enclosing functions, the module."""
    current: Scope | None = scope
    while current is not None:
        bound = _bindings(current).get(name)
        if bound:
            return current, bound
        current = current.parent
    top = scope.module.scopes[0]
    bound = _bindings(top).get(name) if scope is not top else None
    return (top, bound) if bound else None


def _bindings(scope: Scope) -> dict[str, Bound]:
    """name (or `self.attr`) -> what this scope binds it to: assignments and `with ... as`, parameters
    (a Value when annotated DBOSClient/Queue), and UNKNOWN for loop targets, `+=` and the like."""
    if "bindings" in scope.memo:
        return scope.memo["bindings"]
    found: dict[str, Bound] = {}
    if scope.node is not None:
        args = scope.node.args
        for arg in [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]:
            if arg is not None:
                annotation = scope.qualname(arg.annotation) if arg.annotation is not None else None
                found[arg.arg] = [_ANNOTATED.get(annotation or "", UNKNOWN)]
    for node in scope.nodes():
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            _bind(found, node.targets[0], node.value)
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            _bind(found, node.target, node.value)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                if item.optional_vars is not None:
                    _bind(found, item.optional_vars, item.context_expr)
        elif isinstance(node, (ast.For, ast.AsyncFor, ast.AugAssign, ast.NamedExpr, ast.comprehension)):
            for target in ast.walk(node.target):
                if isinstance(target, ast.Name):
                    found.setdefault(target.id, []).append(UNKNOWN)
    if scope.kind == IMPORT:
        found = {k: v for k, v in found.items() if not k.startswith("self.")}
    scope.memo["bindings"] = found
    return found


def _bind(found: dict[str, Bound], target: ast.expr, value: ast.expr) -> None:
    if isinstance(target, ast.Name):
        found.setdefault(target.id, []).append(value)
    elif (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
          and target.value.id == "self"):
        found.setdefault(f"self.{target.attr}", []).append(value)
    else:  # tuple unpacking and the like: the names are bound, to values not written out here
        for name in ast.walk(target):
            if isinstance(name, ast.Name):
                found.setdefault(name.id, []).append(UNKNOWN)
