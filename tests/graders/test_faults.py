"""Injected faults on the grading side: Postgres restarted mid-check, killed between trials, gone, full; the
template dropped; a task whose tests hang. Each ends as a classified infra error (retried by the orchestrator,
never counted as a model failure) or heals into a success, and never stops the other trials.

Each test that breaks Postgres gets a throwaway cluster of its own (the session's is shared by other tests).
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import signal
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from graders import GradingEnvironment, GradingSpec, Status, grade
from graders.durability import _workflow_rows
from graders.sandbox import _mount_tmpfs, _unmount
from graders.spec import CrashExpect, CrashSpec

DB_TEST = '''
import os, time, psycopg

def test_the_database_answers_twice():
    with psycopg.connect(os.environ["DBOS_SYSTEM_DATABASE_URL"], autocommit=True) as conn:
        conn.execute("SELECT 1")
        time.sleep(float(os.environ.get("PAUSE_S", "0")))
        conn.execute("SELECT 1")
'''


def db_task(root: Path, pause_s: float = 0.0, test: str = DB_TEST) -> tuple[Path, GradingSpec]:
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_db.py").write_text(test)
    (root / "files").mkdir()
    (root / "files" / "app.py").write_text("VALUE = 1\n")
    spec = GradingSpec("db-probe", root / "tests", ("hidden_tests",), test_timeout_s=60, per_test_timeout_s=40,
                       env={"PAUSE_S": str(pause_s)})
    return root / "files", spec


@pytest.fixture()
def own_env(pg_server, runtime, bwrap_available):
    with GradingEnvironment.open("bwrap", runtime=runtime) as env:
        yield env


def when_a_trial_connects(env: GradingEnvironment, then) -> threading.Thread:
    """Run ``then()`` once a trial role holds a connection (the graded code is mid-test)."""

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with env.server.connect() as conn:
                if conn.execute("SELECT 1 FROM pg_stat_activity WHERE usename LIKE 'trial_%'").fetchone():
                    then()
                    return
            time.sleep(0.05)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def kill_postmaster(env: GradingEnvironment) -> None:
    env.server._process.send_signal(signal.SIGKILL)
    env.server._process.wait()


def test_postgres_restarted_mid_check_is_an_infra_error_then_a_retried_success(tmp_path, own_env):
    files, spec = db_task(tmp_path, pause_s=2)
    watcher = when_a_trial_connects(own_env, lambda: (kill_postmaster(own_env), own_env.server.ensure_running()))
    first = grade(files, spec, own_env, tmp_path / "logs1", "restart")
    watcher.join()
    assert first.status is Status.INFRA_ERROR and first.reason == "database_error", first.detail
    assert "Postgres restarted" in first.detail or "Postgres went away" in first.detail
    again = grade(files, spec, own_env, tmp_path / "logs2", "restart")  # what the orchestrator's retry does
    assert again.passed, again.detail


def test_a_dead_cluster_is_started_again_before_the_next_trial(tmp_path, own_env):
    files, spec = db_task(tmp_path)
    kill_postmaster(own_env)
    verdict = grade(files, spec, own_env, tmp_path / "logs", "healed")
    assert verdict.passed, verdict.detail


def test_postgres_gone_for_good_is_an_infra_error(tmp_path, own_env):
    files, spec = db_task(tmp_path)
    own_env.server.stop()
    verdict = grade(files, spec, own_env, tmp_path / "logs", "gone")
    assert verdict.status is Status.INFRA_ERROR and verdict.reason == "database_error", verdict.detail


def test_a_dropped_template_is_rebuilt(tmp_path, own_env):
    files, spec = db_task(tmp_path)
    with own_env.server.connect() as conn:
        conn.execute(f"DROP DATABASE {own_env.databases.template}")
    verdict = grade(files, spec, own_env, tmp_path / "logs", "template")
    assert verdict.passed, verdict.detail


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs for the full disk needs root")
def test_a_full_grading_database_is_an_infra_error_and_recovers_once_space_is_back(tmp_path, runtime,
                                                                                    bwrap_available):
    disk = Path(tempfile.mkdtemp(prefix="dbos-eval-full-"))  # the cluster's user must reach it (tmp_path: 0700)
    _mount_tmpfs(disk, 192)
    try:
        with GradingEnvironment.open("bwrap", runtime=runtime, parent_dir=disk) as env:
            files, spec = db_task(tmp_path)
            ballast = disk / "ballast"
            free = os.statvfs(disk).f_bavail * os.statvfs(disk).f_frsize
            with open(ballast, "wb") as out:  # leave less than a database clone needs
                out.truncate(0)
                left = free - 2 * 1024 * 1024
                while left > 0:
                    chunk = min(left, 8 * 1024 * 1024)
                    out.write(b"\0" * chunk)
                    left -= chunk
            full = grade(files, spec, env, tmp_path / "logs1", "full")
            assert full.status is Status.INFRA_ERROR and full.reason == "database_error", full.detail
            ballast.unlink()
            env.server.ensure_running()  # in case the full disk took the server down
            again = grade(files, spec, env, tmp_path / "logs2", "full")
            assert again.passed, again.detail
    finally:
        _unmount(disk)
        disk.rmdir()


def test_a_task_whose_tests_hang_ends_at_the_wall_clock_and_holds_up_no_other_trial(tmp_path, grading_env):
    """A hang the per-test timeout cannot reach (at import, signals ignored): the wall clock ends it with the
    reason ``timeout`` and every process of it dies; a trial graded at the same time passes. (Whether the task
    or the model hangs is not knowable from one trial: ``validate`` runs the task's reference to tell.)"""
    hang = "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\nwhile True:\n    time.sleep(1)\n"
    hung_files, hung_spec = db_task(tmp_path / "hung", test=hang + DB_TEST)
    ok_files, ok_spec = db_task(tmp_path / "ok")
    hung_spec = dataclasses.replace(hung_spec, test_timeout_s=6)
    with ThreadPoolExecutor(2) as pool:
        hung = pool.submit(grade, hung_files, hung_spec, grading_env, tmp_path / "hung-logs", "hang")
        time.sleep(0.5)
        ok = pool.submit(grade, ok_files, ok_spec, grading_env, tmp_path / "ok-logs", "beside-hang")
        hung, ok = hung.result(), ok.result()
    assert hung.status is Status.OK and hung.passed is False and hung.reason == "timeout", hung.detail
    assert hung.duration_s < 30
    assert ok.passed, ok.detail


def test_the_durability_check_reads_trial_rows_as_the_trial_role_never_as_a_superuser(grading_env, tmp_path):
    """The graded code owns its database: a view it plants in place of dbos.workflow_status runs its function
    with the privileges of whoever reads it. Read as the administrator (a superuser), that is a shell on the
    database host through COPY ... TO PROGRAM."""
    marker = Path(f"/tmp/dbos-eval-escalation-{secrets.token_hex(6)}")
    trial = grading_env.databases.create("escalation")
    try:
        with psycopg.connect(trial.url, autocommit=True) as conn:
            conn.execute("ALTER TABLE dbos.workflow_status RENAME TO workflow_status_real")
            conn.execute(f"""CREATE FUNCTION dbos.pwn() RETURNS text LANGUAGE plpgsql AS $$
                BEGIN EXECUTE 'COPY (SELECT 1) TO PROGRAM ''touch {marker}'''; RETURN 'x';
                EXCEPTION WHEN OTHERS THEN RETURN 'denied'; END $$""")
            conn.execute("CREATE VIEW dbos.workflow_status AS SELECT dbos.pwn() AS name, 'SUCCESS' AS status")
        spec = CrashSpec(run=("app.py",), expect=CrashExpect(workflows_name_contains="x", no_pending=True))
        ctx = type("Ctx", (), {"env": grading_env, "database": trial})()
        parts = _workflow_rows(ctx, spec)
        assert not marker.exists(), "the harness ran the graded code's function as a superuser"
        assert parts and all(p.name for p in parts)
        with grading_env.server.connect(trial.name) as admin:  # the way it used to be read: a real exploit
            superuser = admin.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]
            admin.execute("SELECT name FROM dbos.workflow_status").fetchall()
        assert marker.exists() or not superuser
    finally:
        grading_env.databases.drop(trial)
        marker.unlink(missing_ok=True)
