"""Resume after SIGKILL at fixed points of a run with a real model adapter (the anthropic SDK against a loopback
server): while a model call is in flight, while a sandbox grades, right after a result is written (and with
a half-written line left behind). Rerunning the same run id must make no model call twice, duplicate or lose no
trial, and end with the same results as a run that was never interrupted. The randomized version with many
kills is ``benchmarks/resilience_resume.py``."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time

import pytest

from harness.results import RunDir
from tests.cli_support import API_KEY, ScriptedModel, greet_tasks, model_args, normalized, start_cli
from tests.models.loopback import LoopbackServer

pytestmark = pytest.mark.slow
TASKS = ["greet-a", "greet-b", "greet-c", "greet-d"]


@pytest.fixture()
def needs_grading(pg_server, bwrap_available, runtime):
    """Postgres binaries, bubblewrap and the runtime must exist (the CLI starts its own cluster)."""


def wait_for(predicate, what: str, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def sandboxes(pid: int) -> list[str]:
    return subprocess.run(["pgrep", "-P", str(pid), "bwrap"], capture_output=True, text=True).stdout.split()


def kill(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_at_fixed_points_a_run_resumes_with_no_repeated_call_and_the_same_results(tmp_path, needs_grading):
    tasks = greet_tasks(tmp_path / "tasks", TASKS)
    results = tmp_path / "results"
    run = RunDir(results, "r")
    model = ScriptedModel()
    with LoopbackServer("anthropic", model) as server:
        args = ["run", "--run-id", "r", "--slots", "1", "--gen-concurrency", "1", *model_args(server.url)]

        def start(results=results) -> subprocess.Popen:
            return start_cli(*args, results=results, tasks=tasks, log=tmp_path / "runs.log",
                             env={"ANTHROPIC_API_KEY": API_KEY})

        model.hold("greet-b", 1)  # 1. greet-b's second model call is in flight (its first is answered)
        proc = start()
        assert model.held.wait(180), "the run never reached greet-b's second call"
        kill(proc)
        model.release()
        pids, done = [proc.pid], [{r.trial_id for r in run.records()}]  # after each kill: the harness, the recorded

        proc = start()  # 2. a sandbox is grading
        wait_for(lambda: sandboxes(proc.pid) or proc.poll() is not None, "a sandbox")
        kill(proc)
        pids.append(proc.pid)
        done.append({r.trial_id for r in run.records()})

        count = len(run.records())  # 3. a result was just written; then a line cut mid-write
        proc = start()
        wait_for(lambda: len(run.records()) > count or proc.poll() is not None, "a new result")
        kill(proc)
        pids.append(proc.pid)
        done.append({r.trial_id for r in run.records()})
        assert len(done[-1]) < len(TASKS), "the kills should all land before the run's end"
        with run.trials_path.open("a") as out:
            out.write('{"trial_id": "greet-zz.torn", "key": "cut-mid-wri')

        proc = start()  # 4. to the end
        assert proc.wait(timeout=600) == 0, (tmp_path / "runs.log").read_text()[-3000:]
        pids.append(proc.pid)
        paid = list(model.answered)

        clean = start(results=tmp_path / "clean")  # the same run, never interrupted (its own response cache)
        assert clean.wait(timeout=600) == 0, (tmp_path / "runs.log").read_text()[-3000:]

    assert len(paid) == len(set(paid)) == 2 * len(TASKS), "a model call was paid twice (each trial is two calls)"
    resumed = [r.to_json() for r in run.records()]
    assert sorted(r["trial_id"] for r in resumed) == sorted({r["trial_id"] for r in resumed}), "duplicated"
    assert len(resumed) == len(TASKS) and all(r["passed"] for r in resumed), [r["detail"] for r in resumed]
    assert run.trials_path.read_text().endswith("\n") and "torn" not in run.trials_path.read_text()
    straight = [r.to_json() for r in RunDir(tmp_path / "clean", "r").records()]
    assert sorted(map(normalized, resumed), key=str) == sorted(map(normalized, straight), key=str)
    for k, recorded in enumerate(done):  # a trial recorded before a kill is neither regenerated nor regraded after it
        later = {f"pid={pid} " for pid in pids[k + 1:]}
        for trial_id in recorded:
            steps = (run.trial_dir(trial_id) / "steps.log").read_text().splitlines()
            assert not [s for s in steps if any(p in s for p in later)], (trial_id, steps)


def test_a_killed_claude_code_run_resumes_without_paying_a_finished_session_again(tmp_path, needs_grading):
    """``claude-code/<model>``: killed while the second session's first API call is in flight, resumed with the
    same run id. The finished session is not run (or paid) again; the killed one runs again from its start."""
    from harness.models.claude_code import find_cli
    from tests.models.claude_code_server import ClaudeCodeServer
    from tests.test_agent_backends_workers import CLAUDE_CODE, claude_code_session

    cli = find_cli()
    if cli is None:
        pytest.skip("the Claude Code CLI is not installed (python run_eval.py setup)")
    tasks = greet_tasks(tmp_path / "tasks", ["greet-a", "greet-b"])
    results = tmp_path / "results"
    run = RunDir(results, "cc")
    held, release, order = threading.Event(), threading.Event(), []

    def session(body: dict, n: int):  # the second task's first call is held until the harness is killed
        task = re.search(r"\(task (greet-\w)\)", json.dumps(body.get("messages"))).group(1)
        if task not in order:
            order.append(task)
        if task != order[0] and not release.is_set():
            held.set()
            release.wait(400)
        return claude_code_session(body, n)

    def sessions_of(server, task: str) -> int:  # main-session requests of one task
        return sum(f"(task {task})" in json.dumps(r["body"].get("messages")) for r in server.main_requests)

    with ClaudeCodeServer(session) as server:
        args = ["run", "--run-id", "cc", "--slots", "1", "--gen-concurrency", "1", "--model", CLAUDE_CODE,
                "--arm", "none", "--param", f"base_url={server.url}"]

        def start() -> subprocess.Popen:
            return start_cli(*args, results=results, tasks=tasks, log=tmp_path / "runs.log",
                             env={"ANTHROPIC_API_KEY": API_KEY, "DBOS_EVAL_CLAUDE_CODE": str(cli)})

        proc = start()
        wait_for(lambda: (held.is_set() and len(run.records()) == 1) or proc.poll() is not None,
                 "greet-a recorded and greet-b's session in flight", timeout_s=400)
        assert proc.poll() is None, (tmp_path / "runs.log").read_text()[-3000:]
        kill(proc)
        release.set()
        (first,) = run.records()
        done, killed = order
        assert first.task_id == done and sessions_of(server, done) == 2 and sessions_of(server, killed) == 1
        proc = start()
        assert proc.wait(timeout=600) == 0, (tmp_path / "runs.log").read_text()[-3000:]
        assert sessions_of(server, done) == 2, "the finished session was run again"
        assert sessions_of(server, killed) == 1 + 2  # the killed call, then the whole session from its start
    records = run.records()
    assert sorted(r.task_id for r in records) == ["greet-a", "greet-b"]
    assert all(r.passed for r in records), [r.detail for r in records]
    steps = (run.trial_dir(first.trial_id) / "steps.log").read_text().splitlines()
    assert not [s for s in steps if f"pid={proc.pid} " in s], steps  # neither regenerated nor regraded
