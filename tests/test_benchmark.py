"""The benchmark validates itself through the real pipeline: every reference passes every check with no rule
violation, and every mutant is caught exactly as its mutant.toml declares (checks, hidden tests, rule ids).

CI runs each reference once and each task's first mutant here (the fast subset; alternatives are graded by the
full check only, which the fixture test below covers); `python run_eval.py validate` (three runs of each
reference and alternative, every mutant) is the full check the README documents.
"""

import os
import subprocess
import sys
import warnings

import pytest

from tests.conftest import REPO


@pytest.mark.timeout(3000)
def test_every_reference_passes_and_each_tasks_first_mutant_is_caught(tmp_path, pg_server, bwrap_available, runtime):
    """A task with a problem in the first pass is validated again, twice: it passes only if both are clean, and
    is then named in a warning as flaky (a timing flake on a loaded CI machine must not hide, nor block a landing;
    a real defect fails both reruns)."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}

    def validate(run_id: str, repeats: int, tasks: list[str]) -> subprocess.CompletedProcess:
        args = ["validate", "--repeats", str(repeats), "--mutants", "first", "--alternatives", "none", "--slots", "4",
                "--results-dir", str(tmp_path), "--run-id", run_id, *(["--tasks", ",".join(tasks)] if tasks else [])]
        return subprocess.run([sys.executable, str(REPO / "run_eval.py"), *args],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=2900, check=False)

    def problems(done: subprocess.CompletedProcess) -> list[str]:
        return [line for line in done.stdout.splitlines() if line.startswith("problem:")]

    done = validate("ci-validate", 1, [])
    if done.returncode == 0:
        assert "Benchmark valid" in done.stdout
        return
    first = problems(done)
    assert first, done.stdout[-6000:] + done.stderr[-2000:]  # failed without naming a problem: not a flake
    flaky = sorted({line.split()[1].rstrip(":") for line in first})
    again = validate("ci-validate-again", 2, flaky)
    assert again.returncode == 0, "\n".join(first + ["again, 2 repeats:"] + problems(again)) + again.stdout[-4000:]
    warnings.warn(f"flaky under CI load, valid in 2 reruns: {'; '.join(first)}", stacklevel=1)


def test_validate_grades_alternatives_like_references(tmp_path, pg_server, bwrap_available, runtime):
    """A task's alternatives must pass every check like its reference: a correct one shows 1/1, a wrong one
    fails the benchmark with its failure named in the table. (A subprocess: DBOS and its logging are
    process-wide, so an in-process run would leak into other tests.)"""
    import shutil

    from tests.conftest import FIXTURE_TASKS

    task = tmp_path / "tasks" / "greet-workflow"
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", task)
    wrong = task / "alternatives" / "says-goodbye"
    wrong.mkdir()
    (wrong / "greet.py").write_text((task / "mutants" / "wrong-result" / "greet.py").read_text())
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    args = ["validate", "--repeats", "1", "--slots", "1", "--tasks-dir", str(tmp_path / "tasks"),
            "--results-dir", str(tmp_path / "results"), "--run-id", "alternatives"]
    done = subprocess.run([sys.executable, str(REPO / "run_eval.py"), *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    out = done.stdout
    assert done.returncode == 1, out[-4000:] + done.stderr[-2000:]
    assert "started-handle 1/1" in out and "says-goodbye 0/1" in out
    assert "alternative says-goodbye: failed: hidden_tests" in out
    assert "alternative started-handle" not in out  # the correct one raised no problem
    assert "1 problem(s): 1 tasks, 2 alternatives, 1 mutants" in out
