"""The whole path a user takes: CLI -> DBOS orchestration -> grading in the sandbox -> results and report."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_TASKS, REPO


@pytest.fixture()
def needs_grading(pg_server, bwrap_available, runtime):
    """Postgres binaries, bubblewrap and the runtime must exist (the CLI starts its own cluster)."""


def cli(*args: str, results: Path, tasks: Path = FIXTURE_TASKS, **popen) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    cmd = [sys.executable, str(REPO / "run_eval.py"), *args, "--results-dir", str(results)]
    if args[0] == "run":
        cmd += ["--tasks-dir", str(tasks)]
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **popen)


def records(results: Path, run_id: str) -> list[dict]:
    path = results / "runs" / run_id / "trials.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_offline_run_grades_the_reference_and_writes_results(tmp_path, needs_grading):
    proc = cli("run", "--tasks", "greet-workflow", "--run-id", "e2e", results=tmp_path)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    assert "No API keys set" in out and "report.md" in out.replace("\n", "")
    [record] = records(tmp_path, "e2e")
    assert record["status"] == "ok" and record["passed"] is True
    assert record["tests"] == {"passed": 1, "total": 1, "failing": [], "pytest_s": record["tests"]["pytest_s"]}
    assert record["model"] == "reference" and record["arm"] == "none" and record["category"] == "workflow"
    manifest = json.loads((tmp_path / "runs" / "e2e" / "run.json").read_text())
    assert manifest["trials"] == 1 and manifest["dbos_runtime"] == "3.4.0" and "skill_hashes" in manifest
    assert "greet-workflow" in (tmp_path / "runs" / "e2e" / "report.md").read_text()
    files = tmp_path / "runs" / "e2e" / "trials" / record["trial_id"] / "files"
    assert (files / "greet.py").read_text().startswith("import os")


def test_a_mutant_fails_and_its_verdict_names_the_failing_test(tmp_path, needs_grading):
    proc = cli("run", "--tasks", "greet-workflow", "--model", "mutant:wrong-result", "--run-id", "m",
               results=tmp_path)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out
    [record] = records(tmp_path, "m")
    assert record["passed"] is False and record["reason"] == "tests_failed"
    assert record["tests"]["failing"] == ["test_greet::test_greets_through_a_workflow"]


def test_bad_input_is_one_line_and_exit_2(tmp_path):
    for args, needle in ((["run", "--model", "gpt-9"], "--model gpt-9: unknown model"),
                         (["run", "--tasks", "nope"], "--tasks nope: no task matches"),
                         (["run", "--epochs", "0"], "--epochs 0: must be at least 1"),
                         (["report", "no-such-run"], "no-such-run: not a run")):
        proc = cli(*args, results=tmp_path)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 2, (args, out)
        assert needle in out and "Traceback" not in out
        assert len(out.strip().splitlines()) <= 2, out


def test_resume_after_a_killed_run_regrades_nothing(tmp_path, needs_grading):
    tasks = tmp_path / "tasks"
    for name in ("greet-a", "greet-b", "greet-c", "greet-d"):
        shutil.copytree(FIXTURE_TASKS / "greet-workflow", tasks / name)
        toml = tasks / name / "task.toml"
        toml.write_text(toml.read_text().replace('id = "greet-workflow"', f'id = "{name}"'))
    results = tmp_path / "results"
    first = cli("run", "--run-id", "r", "--slots", "1", results=results, tasks=tasks, start_new_session=True)
    deadline = time.monotonic() + 300
    while not records(results, "r") and time.monotonic() < deadline and first.poll() is None:
        time.sleep(0.1)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    before = {r["trial_id"] for r in records(results, "r")}
    assert 1 <= len(before) < 4, "the kill should land mid-run"
    second = cli("run", "--run-id", "r", "--slots", "1", results=results, tasks=tasks)
    out, _ = second.communicate(timeout=600)
    assert second.returncode == 0, out
    final = records(results, "r")
    assert sorted(r["trial_id"] for r in final) == sorted({r["trial_id"] for r in final}), "duplicated trials"
    assert len(final) == 4 and all(r["passed"] for r in final)
    for record in final:
        steps = (results / "runs" / "r" / "trials" / record["trial_id"] / "steps.log").read_text().splitlines()
        generates = [s for s in steps if s.endswith(" generate")]
        grades = [s for s in steps if " grade " in s]
        assert len(generates) == 1, f"{record['trial_id']} generated twice: {steps}"
        if record["trial_id"] in before:
            assert len(grades) == 1, f"{record['trial_id']} was regraded after the resume: {steps}"


def children(pid: int, pattern: str) -> list[str]:
    out = subprocess.run(["pgrep", "-P", str(pid), "-f", pattern], capture_output=True, text=True).stdout
    return out.split()


def alive(pid: str) -> bool:
    return Path(f"/proc/{pid}").exists() and "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path, needs_grading):
    proc = cli("run", "--run-id", "int", "--tasks", "greet-workflow", "--epochs", "3", "--slots", "1",
               results=tmp_path)
    deadline = time.monotonic() + 300
    while not (ours := children(proc.pid, "postgres -D")) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ours, "the run never started its Postgres"
    while not (sandboxes := children(proc.pid, "bwrap")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sandboxes, "no sandbox was running at the interrupt"
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, out
    assert "Resume with: python run_eval.py run --run-id int" in out
    time.sleep(0.5)
    assert not [p for p in ours if alive(p)], "the run's Postgres outlived it"
    assert not [p for p in sandboxes if alive(p)], "a sandbox outlived the run"
    mounts = Path("/proc/self/mountinfo").read_text()
    assert f"dbos-eval-ws-{proc.pid}-" not in mounts, "a workspace tmpfs of the run outlived it"
