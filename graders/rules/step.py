"""Step rules: what a step may not call, and how the step decorator is written."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from graders.rules.dbos_api import RECV, START_OR_ENQUEUE, dbos_method
from graders.rules.model import Violation, violation
from graders.rules.program import WORKFLOW, Program, Scope, context_label
from graders.rules.values import CLIENT, QUEUE, value_of

_DECORATORS = frozenset({"dbos.DBOS.step", "dbos.DBOS.workflow"})
_RETRY_OPTIONS = ("max_attempts", "interval_seconds", "backoff_rate")


def starts_workflow(program: Program) -> Iterator[Violation]:
    """step-starts-workflow"""
    for scope, root in program.step_reach.items():
        for call in scope.calls():
            what = _workflow_start(program, scope, call)
            if what:
                yield violation("step-starts-workflow", scope.module.path, call.lineno, (
                    f"{context_label(scope, root)} {what}: DBOS raises AssertionError when a step starts, "
                    "enqueues or calls a workflow; return what the step computed and start the workflow "
                    "from the workflow body"))


def _workflow_start(program: Program, scope: Scope, call: ast.Call) -> str | None:
    method = dbos_method(scope, call)
    if method in START_OR_ENQUEUE:
        return f"calls DBOS.{method}()"
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("enqueue", "enqueue_async"):
        held = value_of(program, scope, func.value)
        if held is not None and held.kind in (QUEUE, CLIENT):
            return f"enqueues a workflow ({held.kind}.{func.attr})"
    callee = program.resolve(scope, func)
    if callee is not None and callee.kind == WORKFLOW:
        return f"calls workflow `{callee.name}`"
    return None


def recv_or_sleep(program: Program) -> Iterator[Violation]:
    """step-calls-recv-or-sleep"""
    for scope, root in program.step_reach.items():
        for call in scope.calls():
            method = dbos_method(scope, call)
            if method in RECV or method in ("sleep", "sleep_async"):
                fix = ("receive in the workflow and pass the message to the step" if method in RECV
                       else "sleep in the workflow between steps; inside a step use time.sleep")
                yield violation("step-calls-recv-or-sleep", scope.module.path, call.lineno, (
                    f"DBOS.{method}() in {context_label(scope, root)}: it only works in a workflow body "
                    f"and raises inside a step; {fix}"))


def decorator_not_applied(program: Program) -> Iterator[Violation]:
    """step-decorator-not-applied: `DBOS.step()` as a statement, or `DBOS.step()(f)` thrown away."""
    for module in program.modules:
        for node in module.nodes:
            if not isinstance(node, ast.Expr):
                continue
            value = node.value
            while isinstance(value, ast.Call):
                value = value.func
            name = module.resolver.qualname(value)
            if name in _DECORATORS:
                kind = name.rsplit(".", 1)[1]
                yield violation("step-decorator-not-applied", module.path, node.lineno, (
                    f"DBOS.{kind}() is evaluated and thrown away, so nothing becomes a {kind}; write it "
                    f"as a decorator, `@DBOS.{kind}()`, on the line above the function"))


def retries_not_enabled(program: Program) -> Iterator[Violation]:
    """step-retries-not-enabled: retry options on a step whose retries are off."""
    for module in program.modules:
        for node in module.nodes:
            if not isinstance(node, ast.Call):
                continue
            name = module.resolver.call_name(node)
            options: set[str] | None = None
            enabled = False
            if name == "dbos.DBOS.step" or name == "dbos.StepOptions":
                if any(k.arg is None for k in node.keywords):
                    continue
                options = {k.arg for k in node.keywords if k.arg}
                enabled = any(k.arg == "retries_allowed" and not _is_false(k.value) for k in node.keywords)
            elif name in ("dbos.DBOS.run_step", "dbos.DBOS.run_step_async") and node.args:
                options, enabled = _step_options_dict(node.args[0])
            if options and not enabled and options.intersection(_RETRY_OPTIONS):
                given = ", ".join(sorted(options.intersection(_RETRY_OPTIONS)))
                yield violation("step-retries-not-enabled", module.path, node.lineno, (
                    f"step sets {given} but not retries_allowed=True, so it never retries; add "
                    "retries_allowed=True"))


def _step_options_dict(expr: ast.expr) -> tuple[set[str] | None, bool]:
    if not isinstance(expr, ast.Dict) or any(k is None for k in expr.keys):
        return None, False
    keys = {k.value for k in expr.keys if isinstance(k, ast.Constant) and isinstance(k.value, str)}
    enabled = any(isinstance(k, ast.Constant) and k.value == "retries_allowed" and not _is_false(v)
                  for k, v in zip(expr.keys, expr.values, strict=True))
    return keys, enabled


def _is_false(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and not expr.value
