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
import os
import signal
import time
from pathlib import Path

import psycopg

from graders.context import GradingContext
from graders.inside import read_text_inside
from graders.sandbox import Running, _live_pids
from graders.spec import CrashSpec, KillWhen
from graders.verdict import Check, Part, Reason

PINNED_ENV = {"DBOS__APPVERSION": "dbos-skill-eval-crash-test", "DBOS__VMID": "crash-test-executor"}
KILLED = frozenset({-signal.SIGKILL, 128 + signal.SIGKILL})  # a SIGKILL seen directly, or through a wrapper
QUIET_S = 6.0  # idle, nothing pending and nothing changed this long: the run has settled
UNWATCHED_STRETCH = 3.0  # the quiet window without a uid to watch for busyness (no sandbox)
BUSY_FRACTION = 0.3  # a run whose threads ran or waited for a CPU this much of a poll's time is busy
POLL_S = 0.1


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
    running = ctx.start(argv, log, spec.timeout_s, {**PINNED_ENV, **spec.restart_env})
    settled = _until_exit_or_settled(ctx, spec, running, log)
    restart = running.wait()
    recovered = (Part("recovered", False, f"the restart {settled}") if settled
                 else _recovered(spec, restart.exit_code, restart.timed_out, log))
    parts = [Part("crashed", True, detail), progress, recovered]
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
        settled = _until_exit_or_settled(ctx, spec, running, log)
        result = running.wait()
        if settled:
            return False, f"the first run {settled}, without reaching the crash drill"
        if result.timed_out:
            return False, f"the first run neither crashed nor finished within {spec.timeout_s:.0f}s"
        if result.exit_code == 0:
            return False, "the first run finished without reaching the crash drill"
        if result.exit_code not in KILLED:
            return False, (f"the first run exited {result.exit_code} instead of being killed by the drill's "
                           f"SIGKILL (it failed before the crash point{_last_line(log)})")
        return True, "the first run was killed by the drill (SIGKILL)"
    deadline = time.monotonic() + spec.timeout_s
    quiet = Quiet(ctx, spec, log, ctx.uid)
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
        if quiet.settled():
            running.kill()
            running.wait()
            return False, f"the first run {quiet.why()}, and {spec.kill_when.file} never showed the expected progress"
        time.sleep(0.02)
    running.kill()
    running.wait()
    return False, f"{spec.kill_when.file} never showed the expected progress within {spec.timeout_s:.0f}s"


class Quiet:
    """Evidence that a running program can make no more progress: it is idle (its threads neither ran nor
    waited for a CPU), no workflow is PENDING or ENQUEUED in its database, and nothing observable changed
    (workflow rows, the side-effect files the task judges, its output), all for ``QUIET_S`` seconds. A durable
    program mid-work always has a workflow PENDING or ENQUEUED (DBOS records it before its first step), and a
    program starting up (imports, launch) is busy, however loaded the machine: only a program with nothing
    left to do, or nothing durable, settles. Without a sandbox uid to watch for busyness, the window is
    ``UNWATCHED_STRETCH`` times longer."""

    def __init__(self, ctx: GradingContext, spec: CrashSpec, log: Path, uid: int | None = None,
                 quiet_s: float = QUIET_S) -> None:
        self.ctx, self.log, self.uid = ctx, log, uid
        self.files = _judged_files(spec)
        self.quiet_s = quiet_s if uid is not None else quiet_s * UNWATCHED_STRETCH
        self._last: tuple | None = None
        self._since = self._polled = time.monotonic()
        self._demand = _demand_s(uid) if uid is not None else 0.0
        self._next_poll = 0.0

    def settled(self) -> bool:
        now = time.monotonic()
        if now < self._next_poll:
            return False
        self._next_poll = now + 0.5  # a database round trip each half second at most
        seen = self._fingerprint()
        if self.uid is not None:
            demand = _demand_s(self.uid)
            busy = demand - self._demand > BUSY_FRACTION * (now - self._polled)
            self._demand = demand
        else:
            busy = False
        self._polled = now
        if busy or seen is None or seen != self._last:  # working, changed, or unknown: the window starts again
            self._last, self._since = seen, now
            return False
        return now - self._since >= self.quiet_s

    def why(self) -> str:
        return (f"sat idle for {self.quiet_s:.0f}s with no workflow PENDING or ENQUEUED and nothing changing "
                "(it could make no more progress)")

    def _fingerprint(self) -> tuple | None:
        """What would change while the program works; None while a workflow is PENDING/ENQUEUED or the
        database cannot be read (never settled on doubt)."""
        rows = _workflow_digest(self.ctx)
        if rows is None or rows[1]:
            return None
        sizes = tuple(_size(self.ctx.workspace / name) for name in self.files)
        return rows, sizes, _size(self.log)


def _demand_s(uid: int) -> float:
    """Seconds the threads of ``uid``'s live processes have run plus waited to run (``schedstat``)."""
    total = 0
    for pid in _live_pids(uid):
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    ran, waited, _ = f.read().split()
                total += int(ran) + int(waited)
            except (OSError, ValueError):
                continue
    return total / 1e9


def _until_exit_or_settled(ctx: GradingContext, spec: CrashSpec, running: Running, log: Path) -> str:
    """Wait until the run exits, its wall clock runs out, or it settles (then it is killed and the reason
    returned, else "")."""
    quiet = Quiet(ctx, spec, log, ctx.uid)
    while running.poll() is None and time.perf_counter() - running.started < running.limits.wall_s:
        if quiet.settled():
            running.kill()
            return quiet.why()
        time.sleep(POLL_S)
    return ""


def _judged_files(spec: CrashSpec) -> list[str]:
    return list(dict.fromkeys([*spec.expect.line_counts, *(f for f, _ in spec.expect.unique)]
                              + ([spec.kill_when.file] if spec.kill_when else [])))


def _size(path: Path) -> int:
    try:
        return os.lstat(path).st_size
    except OSError:
        return -1


def _workflow_digest(ctx: GradingContext) -> tuple | None:
    """(rows, PENDING or ENQUEUED, last update) of ``dbos.workflow_status``, as the graded code's own role; no
    rows when DBOS has no table there; None when the database cannot be read."""
    try:
        with psycopg.connect(ctx.database.url, autocommit=True, connect_timeout=10) as conn:
            conn.execute("SET statement_timeout = '10s'")
            row = conn.execute("SELECT count(*), count(*) FILTER (WHERE status IN ('PENDING', 'ENQUEUED')), "
                               "max(updated_at) FROM dbos.workflow_status").fetchone()
    except psycopg.errors.UndefinedTable:
        return (0, 0, None)
    except psycopg.Error:
        return None
    return tuple(row) if row else None


def _last_line(log: Path) -> str:
    """``: <the run's last line of output>`` (say, the import error that stopped it), or nothing."""
    try:
        with open(log, "rb") as f:
            f.seek(max(0, f.seek(0, 2) - 4096))
            lines = [ln.strip() for ln in f.read().decode(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return f": {lines[-1][:200]}" if lines else ""


def _partial_progress(ctx: GradingContext, spec: CrashSpec) -> Part:
    """Evidence that the killed run was mid-work: records in the side-effect files the task judges (or the
    file the kill waited for), or workflows it left PENDING/ENQUEUED for the restart to recover."""
    files = _judged_files(spec)
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
