"""The durability check: kill the program mid-workflow, restart it, and judge recovery from the outside.

Both runs get the same pinned ``DBOS__APPVERSION`` and executor id, so the restart recovers exactly what the
killed run left PENDING. "Ran exactly once" is judged from side-effect files (a step's checkpoint exists only
once it completes, so ``operation_outputs`` alone cannot prove it), the workflow rows from the trial database.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import psycopg

from graders.context import GradingContext
from graders.inside import read_text_inside
from graders.spec import CrashSpec, KillWhen
from graders.verdict import Check, Part, Reason

PINNED_ENV = {"DBOS__APPVERSION": "dbos-skill-eval-crash-test", "DBOS__VMID": "crash-test-executor"}


def run_durability(ctx: GradingContext) -> Check:
    spec = ctx.spec.crash
    if spec is None:
        return Check.error("durability", Reason.HARNESS_ERROR, "the task lists durability but has no [durability]")
    started = time.perf_counter()
    crashed, detail = _first_run(ctx, spec)
    if not crashed:
        return Check("durability", False, reason=Reason.NOT_DURABLE, detail=detail,
                     duration_s=time.perf_counter() - started, parts=(Part("crashed", False, detail),),
                     log="durability_run1.log")
    log = ctx.log_dir / "durability_restart.log"
    argv = [str(ctx.runtime.python), *(spec.restart or spec.run)]
    restart = ctx.run(argv, log, spec.timeout_s, {**PINNED_ENV, **spec.restart_env})
    parts = [Part("crashed", True, detail), _recovered(spec, restart.exit_code, restart.timed_out, log)]
    parts += _side_effects(ctx.workspace, spec)
    parts += _workflow_rows(ctx, spec)
    failed = [p for p in parts if not p.passed]
    summary = "; ".join(f"{p.name}: {p.detail}" for p in failed) or "recovered, nothing repeated or lost"
    return Check("durability", not failed, reason=Reason.NOT_DURABLE if failed else None, detail=summary,
                 duration_s=time.perf_counter() - started, parts=tuple(parts), log=log.name)


def _first_run(ctx: GradingContext, spec: CrashSpec) -> tuple[bool, str]:
    """Run until the declared crash point; True when the program died there."""
    log = ctx.log_dir / "durability_run1.log"
    running = ctx.start([str(ctx.runtime.python), *spec.run], log, spec.timeout_s, {**PINNED_ENV, **spec.env})
    if spec.kill_when is None:
        result = running.wait()
        if result.timed_out:
            return False, f"the first run neither crashed nor finished within {spec.timeout_s:.0f}s"
        if result.exit_code == 0:
            return False, "the first run finished without reaching the crash drill"
        return True, f"the first run died at the drill (exit {result.exit_code})"
    deadline = time.monotonic() + spec.timeout_s
    while time.monotonic() < deadline:
        if _reached(ctx.workspace, spec.kill_when):
            time.sleep(spec.kill_when.grace_s)
            still_running = running.poll() is None
            running.kill()
            running.wait()
            if not still_running:
                return False, "the first run exited on its own before it could be killed"
            return True, f"killed once {spec.kill_when.file} showed progress"
        if running.poll() is not None:
            running.wait()
            return False, f"the first run exited before {spec.kill_when.file} showed the expected progress"
        time.sleep(0.02)
    running.kill()
    running.wait()
    return False, f"{spec.kill_when.file} never showed the expected progress within {spec.timeout_s:.0f}s"


def _reached(workspace: Path, when: KillWhen) -> bool:
    text = read_text_inside(workspace, when.file)  # never a symlink, FIFO or device the code planted
    if not text:
        return False
    if when.contains is not None and when.contains not in text:
        return False
    return when.lines is None or len([ln for ln in text.splitlines() if ln.strip()]) >= when.lines


def _recovered(spec: CrashSpec, code: int | None, timed_out: bool, log: Path) -> Part:
    if timed_out:
        return Part("recovered", False, f"the restart did not finish within {spec.timeout_s:.0f}s")
    want = spec.expect.restart_exit_code
    if want is not None and code != want:
        return Part("recovered", False, f"the restart exited {code}, expected {want}")
    output = log.read_text(errors="replace")
    missing = [s for s in spec.expect.stdout_contains if s not in output]
    if missing:
        return Part("recovered", False, f"the restart's output lacks {missing[0]!r}")
    return Part("recovered", True, f"the restart exited {code}")


def _side_effects(workspace: Path, spec: CrashSpec) -> list[Part]:
    problems = []
    for name, want in spec.expect.line_counts.items():
        got = len(_records(workspace, name))
        if got != want:
            problems.append(f"{name} has {got} records, expected {want}")
    for name, key in spec.expect.unique:
        values = [r.get(key) for r in _records(workspace, name) if isinstance(r, dict)]
        twice = sorted({str(v) for v in values if values.count(v) > 1})
        if twice:
            problems.append(f"{name}: {key} repeated for {', '.join(twice[:5])}")
    if not spec.expect.line_counts and not spec.expect.unique:
        return []
    return [Part("no_repeat", not problems, "; ".join(problems) or "every side effect happened exactly once")]


def _records(workspace: Path, name: str) -> list:
    out = []
    for line in read_text_inside(workspace, name).splitlines():
        if line.strip():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                out.append(line)
    return out


def _workflow_rows(ctx: GradingContext, spec: CrashSpec) -> list[Part]:
    # As the trial's own role, never the administrator: the graded code owns this schema, and a view or function
    # it planted in place of dbos.workflow_status runs with the privileges of whoever queries it.
    with ctx.env.databases.connect_as_trial(ctx.database) as conn:
        try:
            rows = conn.execute("SELECT name, status FROM dbos.workflow_status").fetchall()
        except (psycopg.errors.ProgrammingError, psycopg.errors.QueryCanceled) as exc:  # the code broke its own
            detail = f"dbos.workflow_status unreadable: {str(exc).strip().splitlines()[0][:200]}"
            return [Part("workflow_rows", False, detail)]
    parts = []
    expect = spec.expect
    if expect.workflows_name_contains is not None:
        mine = [status for name, status in rows if expect.workflows_name_contains in name]
        right_count = expect.workflows_count is None or len(mine) == expect.workflows_count
        ok = mine.count("SUCCESS") == len(mine) and right_count
        want = "" if expect.workflows_count is None else f", expected {expect.workflows_count} SUCCESS"
        parts.append(Part("no_duplicate_workflow", ok,
                          f"{len(mine)} '{expect.workflows_name_contains}' workflows ({_counts(mine)}){want}"))
    if expect.no_pending:
        left = [f"{name} {status}" for name, status in rows if status in ("PENDING", "ENQUEUED")]
        parts.append(Part("nothing_pending", not left, f"left behind: {', '.join(left[:5])}" if left
                          else "nothing left PENDING or ENQUEUED"))
    return parts


def _counts(statuses: list[str]) -> str:
    return ", ".join(f"{s} {statuses.count(s)}" for s in sorted(set(statuses))) or "none"
