"""Runs as things a user sees and settles: each run's own system database, its lock, the list, abandoning.

Why a system database per run (``results/runs/<id>/dbos_system.sqlite``): ``DBOS.launch()`` recovers every
PENDING workflow of its executor id, and a queue's worker takes every ENQUEUED workflow of that queue it finds.
When all runs shared one SQLite file under one executor id, starting run b executed, paid for and recorded
run a's unfinished trials. With one file per run, what a process can recover or dequeue is exactly its own
run: resuming a run opens its file again and DBOS recovers it as before; another run never sees it. The
executor id is ``run-<id>`` as well, which is what scopes recovery in distributed mode, where coordinators of
several runs share one Postgres system database (``--system-db``): there each run also has its own trial queue
(``trials-<id>``), and the generation and grading children on the shared queues are what workers take.

A run is held by one process at a time: an exclusive ``flock`` on ``results/runs/<id>/run.lock``, whose text
names the holder (pid and host). The kernel drops the lock when its process dies, however it dies, so a lock
file left by a dead process is taken over by the next start; a live holder makes the second start a one-line
user error.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from harness.errors import UserError
from harness.results import RunDir

LOCK_NAME = "run.lock"
SYSTEM_DB_NAME = "dbos_system.sqlite"
UNFINISHED = ("PENDING", "ENQUEUED", "DELAYED")


def system_db_url(run_dir: RunDir) -> str:
    """The run's own SQLite system database (the default when no ``--system-db`` is given)."""
    run_dir.root.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{run_dir.root.resolve() / SYSTEM_DB_NAME}"


def executor_id_of(run_id: str) -> str:
    """The coordinator's DBOS executor id: what ``DBOS.launch()`` recovers is this run's only."""
    return f"run-{run_id}"


@dataclass(frozen=True)
class Holder:
    pid: int | None
    host: str

    def describe(self) -> str:
        return f"pid {self.pid if self.pid is not None else '?'} on host {self.host}"


def _read_holder(path: Path) -> Holder | None:
    try:
        data = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        return None
    if not data:
        return None
    return Holder(data.get("pid"), str(data.get("host", "?")))


def holder(run_dir: RunDir) -> Holder | None:
    """Who holds the run now (None: nobody; the run is not in progress on this machine)."""
    path = run_dir.root / LOCK_NAME
    if not path.exists():
        return None
    with path.open() as probe:
        try:
            fcntl.flock(probe, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return _read_holder(path) or Holder(None, "?")
        fcntl.flock(probe, fcntl.LOCK_UN)
    return None


def in_progress(run_dir: RunDir, live: Holder | None) -> UserError:
    return UserError(f"run {run_dir.run_id} is already in progress ({(live or Holder(None, '?')).describe()})")


def check_free(run_dir: RunDir) -> None:
    """Fail before anything starts when a live process holds the run (``hold`` checks again, atomically)."""
    live = holder(run_dir)
    if live is not None:
        raise in_progress(run_dir, live)


@contextmanager
def hold(run_dir: RunDir) -> Iterator[Holder | None]:
    """Hold the run for this process; yields the dead holder whose stale lock was taken over, if any.
    Raises the one-line user error when a live process holds it."""
    run_dir.root.mkdir(parents=True, exist_ok=True)
    path = run_dir.root / LOCK_NAME
    lock: IO[str] = path.open("a+")
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        live = None
        for _ in range(20):  # the holder writes its name right after it locks: give it a moment
            live = _read_holder(path)
            if live:
                break
            time.sleep(0.05)
        raise in_progress(run_dir, live) from None
    try:
        stale = _read_holder(path)
        lock.seek(0)
        lock.truncate()
        lock.write(json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                               "since": time.strftime("%Y-%m-%dT%H:%M:%S")}))
        lock.flush()
        yield stale
    finally:
        lock.seek(0)
        lock.truncate()  # a clean exit leaves no holder's name behind
        lock.flush()
        fcntl.flock(lock, fcntl.LOCK_UN)
        lock.close()


@contextmanager
def hold_shared(url: str, run_id: str) -> Iterator[None]:
    """In distributed mode, the run is also held in the shared system database (a session advisory lock),
    so a coordinator of the same run id on another machine, with its own results folder, is refused too;
    the session's ``application_name`` names the holder. Postgres drops the lock when the session ends."""
    import psycopg

    name = f"dbos-skill-eval run pid {os.getpid()} host {socket.gethostname()}"[:63]
    try:
        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://", 1), autocommit=True,
                               application_name=name, connect_timeout=10)
    except psycopg.Error as exc:
        from graders.postgres import redact

        raise UserError(f"--system-db {redact(url)}: cannot connect ({str(exc).strip().splitlines()[0]})") from None
    try:
        key = f"dbos-skill-eval run {run_id}"
        locked = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (key,)).fetchone()
        if not (locked and locked[0]):
            row = conn.execute(
                "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.objid::bigint = "
                "(hashtext(%s)::bigint & 4294967295)", (key,)).fetchone()
            words = (row[0] if row else "").split()  # dbos-skill-eval run pid P host H
            live = Holder(int(words[3]) if len(words) >= 6 and words[3].isdigit() else None,
                          words[5] if len(words) >= 6 else "?")
            raise UserError(f"run {run_id} is already in progress ({live.describe()}, in the shared system "
                            "database)")
        yield
    finally:
        conn.close()


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    started: str
    models: tuple[str, ...]
    arms: tuple[str, ...]
    done: int
    total: int
    state: str  # running / complete / interrupted / abandoned
    holder: Holder | None = None


def summarize(run_dir: RunDir) -> RunSummary:
    manifest = run_dir.read_manifest()
    live = holder(run_dir)
    if live is not None:
        state = "running"
    elif manifest.get("finished_at"):
        state = "complete"
    elif manifest.get("abandoned_at"):
        state = "abandoned"
    else:
        state = "interrupted"
    try:
        done = len({r.key for r in run_dir.records()})
    except UserError:
        done = -1  # a damaged trials.jsonl: listed, not fatal
    return RunSummary(run_dir.run_id, str(manifest.get("started_at") or "?"), tuple(manifest.get("models") or ()),
                      tuple(manifest.get("arms") or ()), done, int(manifest.get("trials") or 0), state, live)


def list_runs(results_dir: Path) -> list[RunSummary]:
    """Every run under ``results/runs/`` that got as far as writing its manifest, oldest first."""
    root = Path(results_dir) / "runs"
    runs = []
    for path in sorted(root.glob("*/run.json")) if root.is_dir() else []:
        try:
            runs.append(summarize(RunDir(Path(results_dir), path.parent.name)))
        except UserError:
            continue  # an unreadable manifest is not a run we can say anything about
    return sorted(runs, key=lambda r: (r.started, r.run_id))


def interrupted_notice(results_dir: Path, current: str) -> str | None:
    """The one line a new run prints about interrupted runs (None when there are none)."""
    runs = [r.run_id for r in list_runs(results_dir) if r.state == "interrupted" and r.run_id != current]
    if not runs:
        return None
    shown = ", ".join(runs[:5]) + (f" and {len(runs) - 5} more" if len(runs) > 5 else "")
    return (f"{len(runs)} interrupted run(s) not resumed ({shown}): resume one with python run_eval.py run "
            "--run-id ID (and its flags), or settle it with python run_eval.py runs --abandon ID")


def check_startable(run_dir: RunDir) -> None:
    """An abandoned run stays abandoned: its cancelled workflows must never run again."""
    if run_dir.manifest_path.exists() and run_dir.read_manifest().get("abandoned_at"):
        raise UserError(f"run {run_dir.run_id} was abandoned ({run_dir.read_manifest()['abandoned_at']}); its "
                        "recorded trials stay: start a new --run-id")


def abandon(run_dir: RunDir, system_db: str | None) -> int:
    """Cancel the run's unfinished workflows (trial workflows and their children) so nothing resumes them,
    and mark the run abandoned; the trials already recorded stay. Returns how many workflows were cancelled."""
    summary = summarize(run_dir)
    if summary.state == "running" and summary.holder is not None:
        raise UserError(f"run {run_dir.run_id} is in progress ({summary.holder.describe()}): stop it first "
                        "(Ctrl-C), then abandon it")
    if summary.state == "complete":
        raise UserError(f"run {run_dir.run_id} is complete: nothing to abandon")
    manifest = run_dir.read_manifest()
    if manifest.get("system_db") and not system_db:
        raise UserError(f"run {run_dir.run_id} kept its workflows in {manifest['system_db']}: pass "
                        "--system-db URL (with its password) to abandon it")
    url = system_db or system_db_url(run_dir)
    cancelled = 0
    if system_db or (run_dir.root / SYSTEM_DB_NAME).exists():
        cancelled = _cancel(url, run_dir.run_id)
    run_dir.update_manifest(abandoned_at=time.strftime("%Y-%m-%dT%H:%M:%S"), abandoned_workflows=cancelled)
    return cancelled


def _cancel(url: str, run_id: str) -> int:
    from dbos import DBOSClient

    try:
        client = DBOSClient(system_database_url=url, retry_connection_errors=False)
    except Exception as exc:  # unreachable database, or one DBOS never created
        raise UserError(f"cannot open the run's system database ({type(exc).__name__}): {exc}") from None
    try:
        ids = [w.workflow_id for w in client.list_workflows(workflow_id_prefix=f"{run_id}:", status=list(UNFINISHED),
                                                            load_input=False, load_output=False)]
        if ids:
            client.cancel_workflows(ids, cancel_children=True)
        return len(ids)
    finally:
        client.destroy()
