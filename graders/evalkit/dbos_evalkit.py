"""Helpers for hidden tests. The grader copies this file next to the hidden tests inside the sandbox.

Hidden tests run with the workspace (the model's files) importable and as the current directory, and with
``DBOS_SYSTEM_DATABASE_URL`` naming the trial's own Postgres database. Programs started through this module
get the same environment plus what the test adds.
"""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

WORKSPACE = Path(__file__).resolve().parent.parent
DEADLINES = Path(__file__).resolve().parent / "deadlines.json"  # written by the grader (graders.timing)


def helper_deadline(timeout: float) -> float:
    """``timeout``, or less: the longest one wait may take in the running test, derived by the grader from how
    long a correct solution needed for this test (a generous multiple, stretched by the machine's load). A
    failing solution then stops waiting soon after a correct one would have finished. The grader writes the
    unscaled deadline; it is stretched here by this process's own slowdown."""
    nodeid = os.environ.get("PYTEST_CURRENT_TEST", "").rsplit(" (", 1)[0]
    if not nodeid:
        return timeout
    parts = nodeid.split("::")
    name = "::".join(parts[-2:]) if len(parts) > 2 else f"{Path(parts[0]).stem}::{parts[-1]}"
    try:
        found = json.loads(DEADLINES.read_text()).get(name)
        return min(timeout, float(found[1]) * slowdown()) if found else timeout
    except (OSError, ValueError, TypeError, AttributeError, IndexError):
        return timeout


def slowdown() -> float:
    """How much slower than on an idle machine this process runs: (on a CPU + waiting for one) / on a CPU,
    over its threads (1 when unknown; the same lines as ``graders/pytest_events.py``'s: both run in the sandbox
    with the standard library only)."""
    ran = waited = 0
    try:
        for tid in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{tid}/schedstat") as f:
                fields = f.read().split()
            ran, waited = ran + int(fields[0]), waited + int(fields[1])
    except (OSError, ValueError, IndexError):
        return 1.0
    return (ran + waited) / ran if ran > 0 else 1.0


def database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def _env(extra: Mapping[str, str] | None, executor: str | None) -> dict[str, str]:
    env = dict(os.environ)
    env.update(extra or {})
    if executor is not None:  # DBOS recovers only its own executor's PENDING workflows at launch
        env["DBOS__VMID"] = executor
    return env


def run_program(*args: str, env: Mapping[str, str] | None = None, timeout: float = 60,
                input: str | None = None, executor: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python <args>`` in the workspace and wait for it (at most ``helper_deadline(timeout)``); output
    captured as text."""
    return subprocess.run([sys.executable, *args], cwd=WORKSPACE, env=_env(env, executor), capture_output=True,
                          text=True, timeout=helper_deadline(timeout), input=input, check=False)


def start_program(*args: str, env: Mapping[str, str] | None = None, log: str | None = None,
                  executor: str | None = None) -> subprocess.Popen:
    """Start ``python <args>`` in the workspace without waiting; output to ``log`` (a workspace file) if given."""
    out = open(WORKSPACE / log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - owned by the child
    return subprocess.Popen([sys.executable, *args], cwd=WORKSPACE, env=_env(env, executor), stdout=out,
                            stderr=subprocess.STDOUT, start_new_session=True)


def sql(query: str, params: tuple | Mapping[str, Any] = ()) -> list[tuple]:
    """Run one statement against the trial database and return its rows (empty for statements without any)."""
    import psycopg

    with psycopg.connect(database_url(), autocommit=True) as conn:
        cur = conn.execute(query, params)
        return cur.fetchall() if cur.description else []


def workflows(name_contains: str | None = None) -> list[dict[str, Any]]:
    """Rows of ``dbos.workflow_status`` (oldest first), optionally only those whose name contains a string."""
    rows = sql("SELECT workflow_uuid, name, status, queue_name, recovery_attempts, created_at "
               "FROM dbos.workflow_status ORDER BY created_at")
    keys = ("workflow_id", "name", "status", "queue_name", "recovery_attempts", "created_at")
    found = [dict(zip(keys, row, strict=True)) for row in rows]
    return [w for w in found if name_contains is None or name_contains in w["name"]]


def unfinished_workflows() -> list[dict[str, Any]]:
    """Workflows left PENDING or ENQUEUED (none when DBOS never created its tables in this database)."""
    import psycopg

    try:
        return [w for w in workflows() if w["status"] in ("PENDING", "ENQUEUED")]
    except psycopg.errors.UndefinedTable:
        return []


KILLED = (-signal.SIGKILL, 128 + signal.SIGKILL)


def assert_crashed_at_drill(proc: subprocess.CompletedProcess | subprocess.Popen, *side_effects: str) -> str:
    """The run (finished, or a started program that has exited) died of the ops drill's SIGKILL *and* had made
    partial progress: records in one of the ``side_effects`` files, or a workflow left PENDING/ENQUEUED for
    the restart. A bare non-zero exit (an import error, a traceback) is not the crash the test is about.
    Returns the evidence, for messages."""
    captured = [getattr(proc, name, None) for name in ("stdout", "stderr")]
    output = "".join(c for c in captured if isinstance(c, str))[-2000:]
    assert proc.returncode in KILLED, (
        f"the drill should have killed the run (SIGKILL), but it exited {proc.returncode}:\n{output}")
    recorded = [f"{name}: {n} record(s)" for name in side_effects if (n := len(read_jsonl(name)))]
    unfinished = [f"{w['name']} {w['status']}" for w in unfinished_workflows()]
    assert recorded or unfinished, (
        f"the drill killed the run before any progress (no records in {', '.join(side_effects) or '-'}, no "
        f"workflow PENDING or ENQUEUED):\n{output}")
    return "; ".join(recorded + unfinished)


def wait_until(predicate: Callable[[], Any], timeout: float = 30, interval: float = 0.1,
               message: str = "condition") -> Any:
    """Poll ``predicate`` until it returns something truthy; fail the test with ``message`` at the deadline
    (``helper_deadline(timeout)``: at most ``timeout``)."""
    allowed = helper_deadline(timeout)
    deadline = time.monotonic() + allowed
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            derived = "" if allowed >= timeout else (f" (the test allows {timeout}s; a correct solution needed far "
                                                     "less, see timing.toml)")
            raise AssertionError(f"timed out after {allowed:g}s waiting for {message}{derived}")
        time.sleep(interval)


def read_jsonl(path: str | Path) -> list[dict[str, Any]]:
    """Records of a JSON-lines side-effect log (missing file: no records)."""
    file = WORKSPACE / path
    if not file.exists():
        return []
    return [json.loads(line) for line in file.read_text().splitlines() if line.strip()]


def import_fresh(module: str) -> Any:
    """Import a workspace module (once per test session; DBOS registers its functions at import)."""
    if module in sys.modules:
        return sys.modules[module]
    return importlib.import_module(module)


@contextmanager
def dbos_launched(name: str, **config: Any) -> Iterator[None]:
    """The testing pattern DBOS documents: destroy, configure, reset the system database, launch, destroy."""
    from dbos import DBOS

    DBOS.destroy(destroy_registry=False)
    DBOS(config={"name": name, "system_database_url": database_url(), **config})  # type: ignore[typeddict-item]
    DBOS.reset_system_database(truncate=True)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy(destroy_registry=False)
