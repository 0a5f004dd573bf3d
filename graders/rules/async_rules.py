"""Async rules: sync DBOS calls inside `async def`, and gathers over multi-step coroutines."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import dbos_method
from graders.rules.model import Violation, violation
from graders.rules.program import (
    PLAIN,
    STEP,
    TRANSACTION,
    Program,
    Scope,
    context_label,
)
from graders.rules.values import HANDLE, QUEUE, single_binding, value_of

# DBOS 3.4.0 classmethods that have an `_async` twin.
SYNC_WITH_ASYNC_TWIN = frozenset({
    "apply_schedules", "cancel_workflow", "cancel_workflows", "close_stream", "create_schedule",
    "delete_queue", "delete_schedule", "delete_workflow", "delete_workflows", "deprecate_patch",
    "enqueue_workflow", "enqueue_workflow_with_options", "fork_workflow", "get_all_events", "get_event",
    "get_latest_application_version", "get_result", "get_schedule", "get_workflow_status",
    "list_application_versions", "list_queued_workflows", "list_queues", "list_schedules",
    "list_workflow_steps", "list_workflows", "patch", "read_stream", "read_stream_offset", "recv",
    "register_queue", "resume_workflow", "resume_workflows", "retrieve_queue", "retrieve_workflow",
    "rewind_workflow", "run_step", "send", "send_bulk", "set_event", "set_latest_application_version",
    "set_workflow_delay", "sleep", "start_workflow", "update_workflow_attributes", "wait_first",
    "write_stream"})
_GATHERS = frozenset({"asyncio.gather", "asyncio.wait"})
_TASK_WRAPPERS = frozenset({"asyncio.create_task", "asyncio.ensure_future"})


def sync_call(program: Program) -> Iterator[Violation]:
    """async-sync-call"""
    for scope in program.scopes:
        if not scope.is_async:
            continue
        awaited = {id(n.value) for n in scope.nodes() if isinstance(n, ast.Await)}
        for call in scope.calls():
            method = dbos_method(scope, call)
            if method in SYNC_WITH_ASYNC_TWIN:
                fix = f"`await DBOS.{method}_async(...)`"
                shown = f"DBOS.{method}"
            elif id(call) not in awaited and _sync_handle_or_queue_call(program, scope, call):
                attr = call.func.attr  # type: ignore[attr-defined]
                shown = f".{attr}"
                fix = (f"`await queue.{attr}_async(...)`" if attr == "enqueue" else
                       f"a handle from `await DBOS.start_workflow_async(...)` and `await handle.{attr}()`")
            else:
                continue
            yield violation("async-sync-call", scope.module.path, call.lineno, (
                f"{shown}() inside async def `{scope.name}`: sync DBOS calls block the event loop and "
                f"raise RuntimeError while it runs; use {fix}"))


def _sync_handle_or_queue_call(program: Program, scope: Scope, call: ast.Call) -> bool:
    """`handle.get_result()` on a sync WorkflowHandle, or `queue.enqueue(...)`."""
    func = call.func
    if not isinstance(func, ast.Attribute) or func.attr not in ("get_result", "get_status", "enqueue"):
        return False
    held = value_of(program, scope, func.value)
    return held is not None and held.kind == (QUEUE if func.attr == "enqueue" else HANDLE)


def gather_steps(program: Program) -> Iterator[Violation]:
    """async-gather-steps"""
    for scope, root in program.workflow_reach.items():
        if not scope.is_async:
            continue
        groups = _task_groups(scope)
        for call in scope.calls():
            name = scope.call_name(call) or ""
            func = call.func
            if name in _GATHERS:
                started = call.args
            elif isinstance(func, ast.Attribute) and func.attr == "create_task" and (
                    isinstance(func.value, ast.Name) and func.value.id in groups):
                started = call.args[:1]
            else:
                continue
            for coroutine in _coroutine_calls(scope, started):
                helper = program.resolve(scope, coroutine.func)
                if helper is not None and helper.kind == PLAIN and _step_runs(program, helper) >= 2:
                    yield violation("async-gather-steps", scope.module.path, call.lineno, (
                        f"{context_label(scope, root)} runs `{helper.name}` concurrently, and each run "
                        "executes several steps: their steps interleave differently on every run, so "
                        "recovery cannot match checkpoints; gather single steps or child workflows "
                        "(DBOS.start_workflow_async), or make the helper a workflow"))
                    break


def _task_groups(scope: Scope) -> set[str]:
    names = set()
    for node in scope.nodes():
        if isinstance(node, ast.AsyncWith):
            for item in node.items:
                if (isinstance(item.context_expr, ast.Call) and isinstance(item.optional_vars, ast.Name)
                        and scope.call_name(item.context_expr) == "asyncio.TaskGroup"):
                    names.add(item.optional_vars.id)
    return names


def _coroutine_calls(scope: Scope, started: list[ast.expr]) -> Iterator[ast.Call]:
    """The calls producing the coroutines handed to a gather: `f(x)`, `*[f(x) for x in xs]`, `*tasks`."""
    for expr in started:
        if isinstance(expr, ast.Starred):
            expr = expr.value
        if isinstance(expr, ast.Name):
            bound = single_binding(scope, expr.id)
            expr = bound[1] if bound else expr
        if isinstance(expr, (ast.ListComp, ast.GeneratorExp, ast.SetComp)):
            elements = [expr.elt]
        elif isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
            elements = list(expr.elts)
        else:
            elements = [expr]
        for element in elements:
            if isinstance(element, ast.Call) and scope.call_name(element) in _TASK_WRAPPERS and element.args:
                element = element.args[0]
            if isinstance(element, ast.Call):
                yield element


def _step_runs(program: Program, helper: Scope) -> int:
    """How many steps one run of `helper` executes (a step in a loop counts twice), through helpers."""
    seen: set[Scope] = set()

    def count(scope: Scope) -> int:
        if scope in seen:
            return 0
        seen.add(scope)
        loops = [n for n in scope.nodes() if isinstance(n, (ast.For, ast.AsyncFor, ast.While))]
        in_loop = {id(inner) for loop in loops for inner in ast.walk(loop)}
        total = 0
        for call in scope.calls():
            callee = program.resolve(scope, call.func)
            weight = 2 if id(call) in in_loop else 1
            is_step = callee is not None and callee.kind in (STEP, TRANSACTION)
            if is_step or dbos_method(scope, call) in ("run_step", "run_step_async"):
                total += weight
            elif callee is not None and callee.kind == PLAIN:
                total += weight * count(callee)
        return total

    return count(helper)
