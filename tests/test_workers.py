"""Distributed runs: a coordinator (``run --system-db URL --workers-only``) and two ``worker`` processes on this
machine sharing one Postgres system database. The workers generate and grade, their files come back to the
coordinator's results folder, and a worker killed mid-trial resumes when it starts again with its id."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import psycopg
import pytest

from tests.conftest import FIXTURE_TASKS, REPO

pytestmark = pytest.mark.slow


@pytest.fixture()
def system_db(pg_server):
    """A fresh database on the test Postgres for DBOS's workflow tables; its URL."""
    name = f"dbos_sys_{secrets.token_hex(4)}"
    with pg_server.connect() as conn:
        conn.execute(f"CREATE DATABASE {name}")
    params = psycopg.conninfo.conninfo_to_dict(pg_server.admin_conninfo)
    auth = f"{quote(params['user'])}:{quote(params['password'])}"
    host = params.get("host", "localhost")
    where = f"@/{name}?host={host}&port={params.get('port', 5432)}" if host.startswith("/") else \
        f"@{host}:{params.get('port', 5432)}/{name}"
    yield f"postgresql://{auth}{where}"
    with pg_server.connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture()
def needs_grading(pg_server, bwrap_available, runtime):
    """Postgres binaries, bubblewrap and the runtime must exist (each worker starts its own cluster)."""


def greet_tasks(root: Path, names: list[str]) -> Path:
    for name in names:
        shutil.copytree(FIXTURE_TASKS / "greet-workflow", root / name)
        toml = root / name / "task.toml"
        toml.write_text(toml.read_text().replace('id = "greet-workflow"', f'id = "{name}"'))
    return root


def start(*args: str, log: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.Popen([sys.executable, str(REPO / "run_eval.py"), *args], cwd=REPO, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(predicate, what: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def sandboxes(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid), "bwrap"], capture_output=True, text=True).stdout.split()


def steps(folder: Path, event: str) -> list[str]:
    return [line for log in folder.rglob("steps.log") for line in log.read_text().splitlines() if event in line]


def test_two_workers_share_the_work_and_a_killed_worker_resumes(tmp_path, system_db, needs_grading):
    tasks = greet_tasks(tmp_path / "tasks", [f"greet-{c}" for c in "abcdef"])
    results = tmp_path / "results"

    def worker(name: str) -> subprocess.Popen:
        return start("worker", "--system-db", system_db, "--executor-id", name, "--tasks-dir", str(tasks),
                     "--results-dir", str(results / name), log=tmp_path / f"{name}.log")

    a, b = worker("w-a"), worker("w-b")
    for name in ("w-a", "w-b"):
        wait_for(lambda name=name: "Ctrl-C to stop" in (tmp_path / f"{name}.log").read_text(), f"{name} to start")
    coordinator = start("run", "--system-db", system_db, "--workers-only", "--slots", "1", "--run-id", "dist",
                        "--tasks-dir", str(tasks), "--results-dir", str(results), log=tmp_path / "run.log")
    wait_for(lambda: steps(results / "w-a", "grade") and sandboxes(a.pid), "w-a to grade a trial")
    os.killpg(a.pid, signal.SIGKILL)  # mid-run: its step in flight stays PENDING under executor id w-a
    a.wait()
    a = worker("w-a")  # the same id: DBOS recovers what it was doing
    try:
        assert coordinator.wait(timeout=300) == 0, (tmp_path / "run.log").read_text()
    finally:
        for proc in (a, b):
            os.killpg(proc.pid, signal.SIGTERM)
        codes = [proc.wait(timeout=60) for proc in (a, b)]
    assert codes == [130, 130]
    assert "resume when a worker with --executor-id w-b starts again" in (tmp_path / "w-b.log").read_text()
    lines = (results / "runs" / "dist" / "trials.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert sorted(r["task_id"] for r in records) == [f"greet-{c}" for c in "abcdef"]
    assert all(r["passed"] for r in records), [r["detail"] for r in records]
    run_trials = results / "runs" / "dist" / "trials"
    for record in records:  # the files came back to the coordinator
        folder = run_trials / record["trial_id"]
        assert (folder / "files" / "greet.py").is_file() and (folder / "transcript.json").is_file()
        assert "1 passed" in (folder / "logs" / "hidden_tests.log").read_text()
    assert not steps(run_trials, "grade") and not steps(run_trials, "generate"), "--workers-only graded here"
    graded = {name: len(steps(results / name, "grade")) for name in ("w-a", "w-b")}
    assert graded["w-a"] >= 1 and graded["w-b"] >= 1, graded
    resumed = [log for log in (results / "w-a").rglob("steps.log")
               if len({line.split()[1] for line in log.read_text().splitlines() if "grade" in line}) == 2]
    assert resumed, "the grading the killed w-a was doing was not resumed by the restarted w-a"
