"""The durability check: kill the program mid-workflow, restart it, and judge recovery from the outside.

Both runs get the same pinned ``DBOS__APPVERSION`` and executor id, so the restart recovers exactly what the
killed run left PENDING. The first run counts as crashed only when it died of the drill's own SIGKILL (the
task's ops drill, or ours at ``kill_when``) *and* left evidence of partial progress (side-effect records, or a
workflow PENDING/ENQUEUED): a program that fails before doing anything (an import error) gets no durability
credit, whatever its restart does. "Ran exactly once" is judged from side-effect files (a step's checkpoint exists only
once it completes, so ``operation_outputs`` alone cannot prove it), the workflow rows from the trial database.
"""

from __future__ import annotations

import json
import signal
import time
from pathlib import Path

import psycopg

from graders.context import GradingContext
from graders.inside import read_text_inside
from graders.spec import CrashSpec, KillWhen
from graders.verdict import Check, Part, Reason

PINNED_ENV = {"DBOS__APPVERSION": "dbos-skill-eval-crash-test", "DBOS__VMID": "crash-test-executor"}
KILLED = frozenset({-signal.SIGKILL, 128 + signal.SIGKILL})  # a SIGKILL seen directly, or through a wrapper


def run_durability(ctx: GradingContext) -> Check:
    spec = ctx.spec.crash
    if spec is None:
        return Check.error("durability", Reason.HARNESS_ERROR, "the task lists durability but has no [durability]")
    started = time.perf_counter()
    crashed, detail = _first_run(ctx, spec)
    progress = _partial_progress(ctx, spec) if crashed else None
    if not crashed or progress is None or not progress.passed:
        first = (Part("crashed", crashed, detail),) + ((progress,) if progress else ())
        broke = next(p for p in first if not p.passed)
        return Check("durability", False, reason=Reason.NOT_DURABLE, detail=f"{broke.name}: {broke.detail}",
                     duration_s=time.perf_counter() - started, parts=first, log="durability_run1.log")
    log = ctx.log_dir / "durability_restart.log"
    argv = [str(ctx.runtime.python), *(spec.restart or spec.run)]
    restart = ctx.run(argv, log, spec.timeout_s, {**PINNED_ENV, **spec.restart_env})
    parts = [Part("crashed", True, detail), progress, _recovered(spec, restart.exit_code, restart.timed_out, log)]
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
        if result.exit_code not in KILLED:
            return False, (f"the first run exited {result.exit_code} instead of being killed by the drill's "
                           "SIGKILL (it failed before the crash point)")
        return True, "the first run was killed by the drill (SIGKILL)"
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


def _partial_progress(ctx: GradingContext, spec: CrashSpec) -> Part:
    """Evidence that the killed run was mid-work: records in the side-effect files the task judges (or the
    file the kill waited for), or workflows it left PENDING/ENQUEUED for the restart to recover."""
    files = dict.fromkeys([*spec.expect.line_counts, *(f for f, _ in spec.expect.unique)]
                          + ([spec.kill_when.file] if spec.kill_when else []))
    recorded = {name: n for name in files if (n := len(_records(ctx.workspace, name)))}
    unfinished = _unfinished_workflows(ctx)
    evidence = [f"{name} {n} record(s)" for name, n in recorded.items()]
    evidence += [f"{n} workflow(s) {status}" for status, n in sorted(unfinished.items())]
    if not evidence:
        return Part("partial_progress", False, "the first run was killed before any progress: no side-effect "
                    "record and no workflow left PENDING or ENQUEUED")
    return Part("partial_progress", True, "crashed at the drill with partial progress: " + ", ".join(evidence))


def _unfinished_workflows(ctx: GradingContext) -> dict[str, int]:
    """PENDING/ENQUEUED workflows by status, read with the very URL the graded code has (its own role, never an
    administrator). Not ``connect_as_trial``: that gives the role a new password, and the restart still has
    to log in with the old one. None when DBOS never created its schema or the code locked its role out."""
    try:
        with psycopg.connect(ctx.database.url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SET statement_timeout = '10s'")
            rows = conn.execute("SELECT status, count(*) FROM dbos.workflow_status "
                                "WHERE status IN ('PENDING', 'ENQUEUED') GROUP BY status").fetchall()
    except psycopg.Error:
        return {}
    return {str(status): int(n) for status, n in rows}


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
    wanted = dict(spec.expect.stdout_json)
    if wanted and not any(wanted.items() <= obj.items() for obj in _json_objects(output)):
        shown = ", ".join(f"{k}={v!r}" for k, v in wanted.items())
        return Part("recovered", False, f"the restart printed no JSON line with {shown}")
    return Part("recovered", True, f"the restart exited {code}")


def _json_objects(output: str) -> list[dict]:
    """Every line of ``output`` that is a JSON object, however it was formatted (spacing, key order)."""
    found = []
    for line in output.splitlines():
        if line.strip().startswith("{"):
            try:
                value = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                found.append(value)
    return found


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
