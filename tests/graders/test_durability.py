"""The durability check gives credit only for a real crash mid-work: the drill's own SIGKILL *and* evidence of
partial progress before it. A program that fails before doing anything (an import error, a bare exit 1), or
that the drill kills before any progress, is not durable, whatever its restart does. Real sandbox and Postgres;
the programs are plain Python so that only the check's own judgement is under test."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import GradingSpec, grade
from graders.spec import CrashExpect, CrashSpec

# Charges customers 1..5 once each (the file is the ledger), after logging in to its database. With CRASH_AT=n
# it dies by SIGKILL right before the n-th charge; a restart charges only who is missing. BROKEN=1 fails at
# import, before any work.
PROGRAM = '''
import json, os, signal, sys
import psycopg
if os.environ.get("BROKEN"):
    raise ImportError("No module named 'dbos_v2'")
psycopg.connect(os.environ["DBOS_SYSTEM_DATABASE_URL"]).close()  # both runs log in with the URL they were given
done = set()
if os.path.exists("ledger.jsonl"):
    done = {json.loads(line)["customer"] for line in open("ledger.jsonl")}
for n, customer in enumerate(range(1, 6), 1):
    if os.environ.get("CRASH_AT") == str(n):
        os.kill(os.getpid(), signal.SIGKILL)
    if customer not in done:
        with open("ledger.jsonl", "a") as f:
            f.write(json.dumps({"customer": customer}) + "\\n")
print(json.dumps({"charged": len(done | set(range(1, 6)))}, separators=(",", ":")))  # compact JSON
'''


def spec_for(tmp_path: Path, env: dict[str, str], charged: int = 5) -> GradingSpec:
    (tmp_path / "tests").mkdir(exist_ok=True)
    crash = CrashSpec(run=("charge.py",), env=env, timeout_s=30,
                      expect=CrashExpect(stdout_json={"charged": charged}, line_counts={"ledger.jsonl": 5},
                                         unique=(("ledger.jsonl", "customer"),)))
    return GradingSpec(task_id="crash", tests_dir=tmp_path / "tests", checks=("durability",), crash=crash)


def durability(tmp_path: Path, grading_env, env: dict[str, str], charged: int = 5):
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    (files / "charge.py").write_text(PROGRAM)
    verdict = grade(files, spec_for(tmp_path, env, charged), grading_env, tmp_path / "logs", "durability")
    check = verdict.check("durability")
    return check, {p.name: p for p in check.parts}


def test_a_crash_mid_work_with_a_complete_restart_is_durable(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"CRASH_AT": "3"})
    assert check.passed, check.detail
    assert parts["crashed"].passed and "SIGKILL" in parts["crashed"].detail
    assert parts["partial_progress"].passed
    assert parts["partial_progress"].detail == "crashed at the drill with partial progress: ledger.jsonl 2 record(s)"
    assert parts["no_repeat"].passed and parts["recovered"].passed


@pytest.mark.parametrize("env", [{"BROKEN": "1"}, {"BROKEN": "1", "CRASH_AT": "3"}])
def test_a_first_run_that_fails_before_the_drill_gets_no_credit(tmp_path, grading_env, env):
    """Its restart (without the first run's variables) would do all the work exactly once, and any non-zero
    exit used to count as the crash: full credit for a run that never crashed mid-work."""
    check, parts = durability(tmp_path, grading_env, env)
    assert check.passed is False and check.reason == "not_durable"
    assert not parts["crashed"].passed and "exited 1 instead of being killed" in parts["crashed"].detail
    assert parts["crashed"].detail.endswith("ImportError: No module named 'dbos_v2')")  # says why, at once
    assert "recovered" not in parts  # never restarted: there was no crash to recover from


def test_a_sigkill_before_any_progress_is_not_a_crash_mid_work(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"CRASH_AT": "1"})
    assert check.passed is False and check.reason == "not_durable"
    assert parts["crashed"].passed
    assert not parts["partial_progress"].passed and "before any progress" in parts["partial_progress"].detail
    assert check.detail.startswith("partial_progress:")


def test_the_restarts_summary_is_judged_as_json_whatever_its_formatting(tmp_path, grading_env):
    """`stdout_json` compares a JSON line's values, so compact JSON (no '": ') passes where a substring check
    on '"charged": 5' failed; a wrong value still fails."""
    check, parts = durability(tmp_path, grading_env, {"CRASH_AT": "3"}, charged=6)
    assert check.passed is False
    assert parts["recovered"].detail == "the restart printed no JSON line with charged=6"
