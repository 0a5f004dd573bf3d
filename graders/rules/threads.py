"""workflow-thread-start: a thread, process or executor that runs a workflow or step function."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.model import Violation, violation
from graders.rules.program import PLAIN, WORKFLOW, Program, Scope
from graders.rules.values import EXECUTOR, value_of

_TARGET_KEYWORD = {"threading.Thread": ("target", 1), "threading.Timer": ("function", 1),
                   "multiprocessing.Process": ("target", 1), "asyncio.to_thread": ("func", 0)}
_EXECUTOR_METHODS = frozenset({"submit", "map", "starmap", "apply", "apply_async", "map_async",
                               "starmap_async", "imap", "imap_unordered"})


def thread_start(program: Program) -> Iterator[Violation]:
    for scope in program.scopes:
        for call in scope.calls():
            runner, target = _thread_target(program, scope, call)
            if target is None:
                continue
            runs = _runs_dbos_function(program, scope, target)
            if runs is not None and not _step_in_async_workflow(program, scope, runner, runs):
                yield violation("workflow-thread-start", scope.module.path, call.lineno, (
                    f"{runner} runs {runs.kind} `{runs.name}` on its own thread/process, outside DBOS's "
                    "bookkeeping (no durable child workflow, steps racing for IDs); run workflows "
                    "concurrently with DBOS.start_workflow / DBOS.enqueue_workflow, and steps from a "
                    "workflow (asyncio.gather over async steps in an async workflow)"))


def _step_in_async_workflow(program: Program, scope: Scope, runner: str, runs: Scope) -> bool:
    """`await asyncio.to_thread(step, ...)` in an async workflow (or an async helper of one): to_thread
    copies the context, so the step is checkpointed as the workflow's own and skipped on replay (3.4.0)."""
    return (runner == "asyncio.to_thread" and runs.kind != WORKFLOW and scope.is_async
            and scope in program.workflow_reach)


def _thread_target(program: Program, scope: Scope, call: ast.Call) -> tuple[str, ast.expr | None]:
    name = scope.call_name(call) or ""
    if name in _TARGET_KEYWORD:
        keyword, position = _TARGET_KEYWORD[name]
        found = next((k.value for k in call.keywords if k.arg == keyword), None)
        if found is None and len(call.args) > position:
            found = call.args[position]
        return name, found
    func = call.func
    if not isinstance(func, ast.Attribute):
        return name, None
    if func.attr == "run_in_executor" and len(call.args) > 1:
        return "run_in_executor", call.args[1]
    if func.attr in _EXECUTOR_METHODS and call.args:
        held = value_of(program, scope, func.value)
        if held is not None and held.kind == EXECUTOR:
            return f"executor.{func.attr}", call.args[0]
    return name, None


def _runs_dbos_function(program: Program, scope: Scope, target: ast.expr) -> Scope | None:
    """The workflow or step a thread target is, wraps (lambda, functools.partial), or calls directly."""
    if isinstance(target, ast.Call) and scope.call_name(target) == "functools.partial" and target.args:
        target = target.args[0]
    if isinstance(target, ast.Lambda):
        for node in ast.walk(target.body):
            if isinstance(node, ast.Call):
                callee = program.resolve(scope, node.func)
                if callee is not None and callee.kind != PLAIN:
                    return callee
        return None
    callee = program.resolve(scope, target)
    if callee is None:
        return None
    if callee.kind != PLAIN:
        return callee
    return next((c for _, c in program.callees(callee) if c.kind != PLAIN), None)
