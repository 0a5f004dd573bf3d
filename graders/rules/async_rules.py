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


# Of those, the ones whose sync form raises RuntimeError under a running event loop in 3.4.0 (`check_async`;
# `cancel_workflow`/`delete_workflow` call the checked plural forms). The others (`start_workflow`,
# `enqueue_workflow*`, schedules, versions) run, but block the loop on a database round-trip.
RAISE_IN_LOOP = frozenset({
    "cancel_workflow", "cancel_workflows", "close_stream", "delete_queue", "delete_workflow",
    "delete_workflows", "deprecate_patch", "fork_workflow", "get_all_events", "get_event", "get_result",
    "get_workflow_status", "list_queued_workflows", "list_queues", "list_workflow_steps", "list_workflows",
    "patch", "read_stream", "read_stream_offset", "recv", "register_queue", "resume_workflow",
    "resume_workflows", "retrieve_queue", "retrieve_workflow", "rewind_workflow", "run_step", "send",
    "send_bulk", "set_event", "set_workflow_delay", "sleep", "update_workflow_attributes", "wait_first",
    "write_stream"})


def sync_call(program: Program) -> Iterator[Violation]:
    """async-sync-call: in `async def`, and in sync helpers an `async def` calls directly (they run on the
    event loop's thread too)."""
    for scope, root in _on_event_loop(program).items():
        awaited = {id(n.value) for n in scope.nodes() if isinstance(n, ast.Await)}
        where = (f"async def `{scope.name}`" if scope is root else
                 f"`{scope.name}` (a sync function called from async def `{root.name}`)")
        for call in scope.calls():
            method = dbos_method(scope, call)
            if method in SYNC_WITH_ASYNC_TWIN:
                fix = f"`await DBOS.{method}_async(...)`"
                shown, raises = f"DBOS.{method}", method in RAISE_IN_LOOP
            elif id(call) not in awaited and _sync_handle_or_queue_call(program, scope, call):
                attr = call.func.attr  # type: ignore[attr-defined]
                shown, raises = f".{attr}", False
                fix = (f"`await queue.{attr}_async(...)`" if attr == "enqueue" else
                       f"a handle from `await DBOS.start_workflow_async(...)` and `await handle.{attr}()`")
            else:
                continue
            effect = ("raises RuntimeError while the event loop runs (dbos 3.4.0)" if raises else
                      "blocks the event loop on a database round-trip while it runs")
            if scope is not root:
                fix += f" from an async `{scope.name}`"
            yield violation("async-sync-call", scope.module.path, call.lineno,
                            f"{shown}() in {where} {effect}; use {fix}")


def _on_event_loop(program: Program) -> dict[Scope, Scope]:
    """Every `async def`, and every sync plain function it calls directly (not from a lambda, which is
    usually handed to a thread), transitively -> the `async def` it is reached from."""
    reach = {scope: scope for scope in program.scopes if scope.is_async}
    queue = list(reach)
    while queue:
        scope = queue.pop()
        lambdas = [n for stmt in scope.body for n in ast.walk(stmt) if isinstance(n, ast.Lambda)]
        in_lambda = {id(n) for lam in lambdas for n in ast.walk(lam)}
        for call, callee in program.callees(scope):
            if (callee.kind == PLAIN and not callee.is_async and callee not in reach
                    and id(call) not in in_lambda):
                reach[callee] = reach[scope]
                queue.append(callee)
    return reach


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
