"""`python run_eval.py grade TASK DIR...`: folders of files graded with every check of the task through the real
pipeline (sandbox, throwaway Postgres), verdicts in text or JSON; bad input is one line and exit 2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from harness.cli import main
from tests.conftest import FIXTURE_TASKS, REPO

GREET = FIXTURE_TASKS / "greet-workflow"


def test_grade_passes_a_correct_folder_and_fails_a_wrong_one_with_the_tests_message(tmp_path, pg_server,
                                                                                     bwrap_available, runtime):
    wrong = tmp_path / "wrong"
    wrong.mkdir()
    (wrong / "greet.py").write_text((GREET / "mutants" / "wrong-result" / "greet.py").read_text())
    cmd = [sys.executable, str(REPO / "run_eval.py"), "grade", "greet-workflow", str(GREET / "reference"), str(wrong),
           "--format", "json", "--slots", "1", "--tasks-dir", str(FIXTURE_TASKS), "--results-dir", str(tmp_path / "r")]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stderr  # one folder failed
    results = json.loads(done.stdout)  # progress went to stderr: stdout is the JSON alone
    by_dir = {r["dir"]: r for r in results}
    good, bad = by_dir[str(GREET / "reference")], by_dir[str(wrong)]
    assert (good["status"], good["passed"], good["score"]) == ("ok", True, 1.0)
    assert {c["name"]: c["passed"] for c in good["checks"]} == {"rules": True, "hidden_tests": True}
    assert good["failing_tests"] == [] and good["violations"] == []
    assert (bad["status"], bad["passed"]) == ("ok", False)
    assert bad["failing_tests"] == [{"name": "test_greet::test_greets_through_a_workflow",
                                     "message": "AssertionError: assert 'goodbye ada' == 'hello ada'"}]


def test_grade_reports_rule_violations_in_text(tmp_path, pg_server, bwrap_available, runtime):
    racy = tmp_path / "racy"
    racy.mkdir()
    source = (GREET / "reference" / "greet.py").read_text()
    (racy / "greet.py").write_text(source.replace('    return "hello " + shout(name)',
                                                  '    import random\n    random.random()\n'
                                                  '    return "hello " + shout(name)'))
    cmd = [sys.executable, str(REPO / "run_eval.py"), "grade", "greet-workflow", str(racy), "--slots", "1",
           "--tasks-dir", str(FIXTURE_TASKS), "--results-dir", str(tmp_path / "r")]
    done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    out = done.stdout
    assert done.returncode == 0, out + done.stderr[-2000:]  # a violation costs score, it does not fail the trial
    assert "PASSED" in out and "workflow-nondeterminism" in out and "rule violations (1)" in out


@pytest.mark.parametrize(("args", "expected"), [
    (["no-such-task", "{greet}"], "no-such-task: unknown task"),
    (["greet-workflow", "{tmp}/missing"], "missing: no such directory"),
    (["greet-workflow", "{greet}/task.toml"], "task.toml: not a directory"),
    (["greet-workflow"], "the following arguments are required: DIR"),
])
def test_grade_bad_input_is_one_line_and_exit_2(tmp_path, capsys, args, expected):
    argv = ["grade", *[a.format(greet=GREET, tmp=tmp_path) for a in args], "--tasks-dir", str(FIXTURE_TASKS),
            "--results-dir", str(tmp_path / "r")]
    try:
        code = main(argv)
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "r").exists()  # nothing was started

