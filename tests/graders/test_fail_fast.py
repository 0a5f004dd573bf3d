"""Failing trials stop being waited for on evidence, and correct ones are never cut short by it.

Durability: a run that sits idle with no workflow PENDING or ENQUEUED and nothing changing has settled (it
can make no more progress), and ends with that reason long before its wall clock; a run that is busy (a
slow start-up) or has a workflow PENDING (a durable wait) is left alone until its drill fires. Hidden tests:
waits and per-test timeouts derived from the reference's recorded times replace a test's long fixed ones.
Real sandbox and Postgres; the programs are plain Python so that only the judgement is under test. No test
asserts a wall-clock time: each spec's timeout is far longer than the path under test could take unnoticed
(the check would then fail with the timeout's own message)."""

from __future__ import annotations

from pathlib import Path

from graders import GradingSpec, grade
from graders.durability import QUIET_S
from graders.spec import CrashExpect, CrashSpec

# MODE=idle: never reaches the drill, does nothing. MODE=busy: a CPU-bound "start-up" longer than the quiet
# window, then progress and the drill's SIGKILL. MODE=pending: a workflow PENDING while it waits idle longer
# than the quiet window, then progress and the drill. Without MODE (the restart): finishes the ledger.
PROGRAM = f'''
import json, os, signal, sys, time
import psycopg
mode = os.environ.get("MODE", "")
def progress_and_die():
    with open("ledger.jsonl", "a") as f:
        f.write(json.dumps({{"customer": 1}}) + "\\n")
    os.kill(os.getpid(), signal.SIGKILL)
if mode == "idle":
    time.sleep(3600)
if mode == "busy":
    started = time.monotonic()
    while time.monotonic() - started < {QUIET_S + 4}:
        pass
    progress_and_die()
if mode == "pending":
    with psycopg.connect(os.environ["DBOS_SYSTEM_DATABASE_URL"], autocommit=True) as conn:
        conn.execute("INSERT INTO dbos.workflow_status (workflow_uuid, status, name) VALUES ('w1', 'PENDING', 'pay')")
    time.sleep({QUIET_S + 4})
    progress_and_die()
print("done")
'''


def durability(tmp_path: Path, grading_env, env: dict[str, str], restart_env: dict[str, str] | None = None):
    files, tests = tmp_path / "files", tmp_path / "tests"
    files.mkdir()
    tests.mkdir()
    (files / "charge.py").write_text(PROGRAM)
    crash = CrashSpec(run=("charge.py",), env=env, restart_env=restart_env or {}, timeout_s=300,
                      expect=CrashExpect(stdout_contains=("done",), line_counts={"ledger.jsonl": 1}, no_pending=False))
    spec = GradingSpec(task_id="settle", tests_dir=tests, checks=("durability",), crash=crash)
    check = grade(files, spec, grading_env, tmp_path / "logs", "settle").check("durability")
    return check, {p.name: p for p in check.parts}


def test_a_first_run_that_sits_idle_without_reaching_the_drill_ends_on_that_evidence(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"MODE": "idle"})
    assert check.passed is False and check.reason == "not_durable"
    assert "sat idle" in parts["crashed"].detail and "without reaching the crash drill" in parts["crashed"].detail
    assert "within" not in parts["crashed"].detail  # not the 300 s wall clock


def test_a_restart_that_sits_idle_with_nothing_to_recover_ends_on_that_evidence(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"MODE": "busy"}, restart_env={"MODE": "idle"})
    assert parts["crashed"].passed and parts["partial_progress"].passed
    assert not parts["recovered"].passed and "sat idle" in parts["recovered"].detail


def test_a_busy_start_up_longer_than_the_quiet_window_is_not_cut_short(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"MODE": "busy"})
    assert check.passed, check.detail
    assert parts["crashed"].passed and "SIGKILL" in parts["crashed"].detail


def test_a_durable_wait_with_a_workflow_pending_is_not_cut_short(tmp_path, grading_env):
    check, parts = durability(tmp_path, grading_env, {"MODE": "pending"})
    assert check.passed, check.detail
    assert parts["crashed"].passed and "1 workflow(s) PENDING" in parts["partial_progress"].detail


WAITING_TEST = '''
from dbos_evalkit import wait_until


def test_waits_for_what_never_comes():
    wait_until(lambda: False, timeout=2500, message="the welcome email")


def test_has_a_derived_timeout(request):
    assert 30 <= request.node.get_closest_marker("timeout").args[0] < 3000  # the floor, times the slowdown


def test_without_a_recorded_time_keeps_its_own(request):
    assert request.node.get_closest_marker("timeout") is None
'''


def test_hidden_tests_wait_with_deadlines_derived_from_the_reference_times(tmp_path, grading_env):
    """The reference needed a fraction of a second for each test: a wait asking for 2500 s ends at the floor
    (times the test process's slowdown) with a message that says so, and the test's pytest-timeout is the
    derived one (the task states 3000 s)."""
    files, tests = tmp_path / "files", tmp_path / "tests"
    files.mkdir()
    tests.mkdir()
    (files / "app.py").write_text("")
    (tests / "test_waits.py").write_text(WAITING_TEST)
    times = {"test_waits::test_waits_for_what_never_comes": 0.2, "test_waits::test_has_a_derived_timeout": 0.1}
    spec = GradingSpec(task_id="waits", tests_dir=tests, checks=("hidden_tests",), per_test_timeout_s=3000,
                       test_timeout_s=6000, reference_times=times)
    check = grade(files, spec, grading_env, tmp_path / "logs", "waits").check("hidden_tests")
    assert check.tests is not None and check.tests.failing == ("test_waits::test_waits_for_what_never_comes",)
    log = (tmp_path / "logs" / "hidden_tests.log").read_text()
    assert "waiting for the welcome email (the test allows 2500s" in log
