"""The agent backends of issue 18 through the worker path: a ``--workers-only`` coordinator and one ``worker``
process sharing a Postgres system database. The worker builds the model (exec: it runs the commands in its
sandbox; claude-code: it starts the CLI), the coordinator generates and grades nothing, and the files the
session wrote come back to the coordinator's run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_TASKS, REPO
from tests.models.claude_code_server import ClaudeCodeServer
from tests.models.conftest import SECRET
from tests.models.loopback import LoopbackServer, Turn, call
from tests.models.test_exec_tool_run import script as exec_script
from tests.models.test_run_with_real_adapters import MODEL, REFERENCE
from tests.test_workers import needs_grading, steps, system_db, wait_for  # noqa: F401

pytestmark = pytest.mark.slow


def with_key(proc_args: tuple[str, ...], log: Path, **env: str) -> subprocess.Popen:
    """``tests.test_workers.start`` (none of the machine's keys) with the loopback servers' dummy key: the worker
    calls the model with it."""
    clean = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    return subprocess.Popen([sys.executable, str(REPO / "run_eval.py"), *proc_args], cwd=REPO,
                            env={**clean, "ANTHROPIC_API_KEY": SECRET, **env}, stdout=log.open("w"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def run_on_a_worker(tmp_path: Path, db: str, model_args: list[str], run_id: str,
                    **env: str) -> tuple[dict, Path]:
    """Start worker w-a, run the fixture task's ``none`` trial through a --workers-only coordinator; the record
    and the results folder."""
    results = tmp_path / "results"
    worker = with_key(("worker", "--system-db", db, "--executor-id", "w-a", "--tasks-dir", str(FIXTURE_TASKS),
                       "--results-dir", str(results / "w-a")), tmp_path / "w-a.log", **env)
    try:
        wait_for(lambda: "Ctrl-C to stop" in (tmp_path / "w-a.log").read_text(), "w-a to start")
        coordinator = with_key(("run", "--system-db", db, "--workers-only", "--slots", "1", "--run-id",
                                run_id, "--tasks", "greet-workflow", "--tasks-dir", str(FIXTURE_TASKS),
                                "--results-dir", str(results), "--arm", "none", *model_args),
                               tmp_path / "run.log", **env)
        assert coordinator.wait(timeout=400) == 0, (tmp_path / "run.log").read_text() + \
            (tmp_path / "w-a.log").read_text()
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
    (line,) = (results / "runs" / run_id / "trials.jsonl").read_text().splitlines()
    return json.loads(line), results


def test_an_exec_run_on_a_worker_runs_its_commands_there(tmp_path, system_db, needs_grading):  # noqa: F811
    with LoopbackServer("anthropic", exec_script) as server:
        record, results = run_on_a_worker(tmp_path, system_db, ["--model", MODEL, "--param",
                                                                f"base_url={server.url}", "--agent-tools", "exec"],
                                          "exec-dist")
        assert len(server.requests) == 2  # run_command, then finish
    assert record["passed"], record["detail"]
    assert record["usage"]["commands"] == 1 and record["usage"]["cached_commands"] == 0
    trial = results / "runs" / "exec-dist" / "trials" / record["trial_id"]
    assert (trial / "files" / "greet.py").read_text() == REFERENCE  # only the command (on the worker) wrote it
    events = json.loads((trial / "transcript.json").read_text())
    (command,) = [e for e in events if e.get("event") == "command"]
    assert command["exit_code"] == 0
    run_trials = results / "runs" / "exec-dist" / "trials"
    assert not steps(run_trials, "generate") and not steps(run_trials, "grade"), "the coordinator generated"
    assert steps(results / "w-a", "generate") and steps(results / "w-a", "grade")


CLAUDE_CODE = "claude-code/loopback-model"


def claude_code_session(body: dict, n: int) -> Turn:
    """Write the reference solution, then finish."""
    steps = [Turn("", (call("Write", file_path="/workspace/greet.py", content=REFERENCE),), 1500, 400),
             Turn("Done: greet.py has the workflow.", (), 1700, 10)]
    return steps[min(n, len(steps) - 1)]


def claude_code_cli() -> str:
    """The CLI the test process finds (``setup``'s, or ``$DBOS_EVAL_CLAUDE_CODE``), handed to the subprocesses."""
    from harness.models.claude_code import find_cli

    found = find_cli()
    if found is None:
        pytest.skip("the Claude Code CLI is not installed (python run_eval.py setup)")
    return str(found)


def test_a_claude_code_run_on_a_worker_starts_the_cli_there(tmp_path, system_db, needs_grading):  # noqa: F811
    cli = claude_code_cli()
    with ClaudeCodeServer(claude_code_session) as server:
        record, results = run_on_a_worker(tmp_path, system_db, ["--model", CLAUDE_CODE, "--param",
                                                                f"base_url={server.url}"], "cc-dist",
                                          DBOS_EVAL_CLAUDE_CODE=cli)
        assert len(server.main_requests) == 2  # Write, then the final text
    assert record["passed"], record["detail"]
    trial = results / "runs" / "cc-dist" / "trials" / record["trial_id"]
    assert (trial / "files" / "greet.py").read_text() == REFERENCE  # what the session (on the worker) wrote
    events = json.loads((trial / "transcript.json").read_text())
    calls = [c["name"] for e in events if e.get("role") == "assistant" for c in e.get("tool_calls") or []]
    assert calls == ["Write"]
    usage = record["usage"]  # the proxy's counts on the worker (the loopback model has no price)
    assert usage["input_tokens"] >= 1500 + 1700 and usage["output_tokens"] >= 400 + 10
    run_trials = results / "runs" / "cc-dist" / "trials"
    assert not steps(run_trials, "generate") and not steps(run_trials, "grade"), "the coordinator generated"
    assert steps(results / "w-a", "generate") and steps(results / "w-a", "grade")
