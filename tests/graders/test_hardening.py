"""Issue 16: what a trial can reach and keep after it ends (other databases, queries, disk through Postgres,
kernel memory through inodes), verdicts the graded code cannot forge, helpers without the harness's secrets,
and a mount sweep that never takes another harness's live mounts. Real Postgres, real bubblewrap."""

from __future__ import annotations

import dataclasses
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from graders.databases import DatabaseFactory
from graders.environ import helper_env
from graders.hidden_tests import Events, cross_check
from graders.postgres import start_cluster
from graders.sandbox import MOUNT_LOCKS, SCRATCH_PREFIX, BwrapSandbox, Limits, _mount_tmpfs, sweep_scratch
from tests.conftest import REPO

JUNIT_ONE = (b'<?xml version="1.0"?><testsuites><testsuite tests="1"><testcase classname="test_app" '
             b'name="test_a" time="0.1"%s</testsuite></testsuites>')


def _stream(*events: dict) -> Events:
    stream = Events()
    for event in events:
        stream.add(json.dumps(event).encode())
    return stream


def _ran(outcome: str, exitstatus: int) -> Events:
    return _stream({"event": "start"}, {"event": "collected", "count": 1},
                   {"event": "result", "nodeid": "test_app.py::test_a", "when": "setup", "outcome": "passed",
                    "duration": 0.0},
                   {"event": "result", "nodeid": "test_app.py::test_a", "when": "call", "outcome": outcome,
                    "duration": 0.1},
                   {"event": "finish", "exitstatus": exitstatus})


def test_the_streamed_results_decide_and_a_disagreeing_report_is_tampered():
    passed_xml = JUNIT_ONE % b"/>"
    failed_xml = JUNIT_ONE % b"><failure>x</failure></testcase>"
    assert cross_check(_ran("passed", 0), passed_xml, 0, duration_s=1.0, log="l").passed is True
    honest = cross_check(_ran("failed", 1), failed_xml, 1, duration_s=1.0, log="l")
    assert (honest.passed, honest.reason) == (False, "tests_failed")
    forged = cross_check(_ran("failed", 1), passed_xml, 0, duration_s=1.0, log="l")  # rewritten, exit 0
    assert (forged.passed, forged.status, forged.reason) == (False, "ok", "report_tampered")
    rewritten = cross_check(_ran("failed", 1), passed_xml, 1, duration_s=1.0, log="l")  # only the XML
    assert (rewritten.passed, rewritten.reason) == (False, "report_tampered")
    deleted = cross_check(_ran("failed", 1), None, 1, duration_s=1.0, log="l")
    assert (deleted.passed, deleted.status, deleted.reason) == (False, "ok", "report_tampered")


def test_results_pytest_did_not_write_are_tampering():
    stream = _ran("failed", 1)
    stream.add(json.dumps({"event": "result", "nodeid": "test_app.py::test_a", "when": "call",
                           "outcome": "passed", "duration": 0.1}).encode())  # a second, forged result
    assert stream.garbled
    check = cross_check(stream, JUNIT_ONE % b"/>", 1, duration_s=1.0, log="l")
    assert check.reason == "report_tampered" and check.passed is False
    assert _stream({"event": "result"}).garbled  # before pytest started
    assert _stream({"event": "start"}, {"not": "an event"}).garbled


@pytest.fixture()
def factory(grading_env) -> DatabaseFactory:
    return grading_env.databases


def _connect(url: str, **params) -> psycopg.Connection:
    conninfo = psycopg.conninfo.make_conninfo(url, **params)
    return psycopg.connect(conninfo, autocommit=True, connect_timeout=5)


def test_a_trial_role_reaches_only_its_own_database(factory):
    trial = factory.create("reach")
    try:
        with _connect(trial.url) as conn:
            conn.execute("SELECT 1")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute("CREATE DATABASE hostile_made")
        for dbname in ("postgres", "template1", factory.template):
            with pytest.raises(psycopg.OperationalError):
                _connect(trial.url, dbname=dbname).close()
    finally:
        factory.drop(trial)


def test_a_task_that_recreates_its_database_can_and_what_it_creates_stays_its_own(factory):
    trial, other = factory.create("recreate", recreate=True), factory.create("neighbour")
    try:
        with _connect(trial.url, dbname="postgres") as conn:  # what DBOS.reset_system_database() does
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(trial.name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(trial.name)))
            conn.execute("CREATE DATABASE hostile_extra")
        with _connect(trial.url) as conn:
            conn.execute("CREATE TABLE t (x int)")
        for dbname in (trial.name, "hostile_extra"):  # a newly created database grants CONNECT to PUBLIC
            with pytest.raises(psycopg.OperationalError):
                _connect(other.url, dbname=dbname).close()
        with pytest.raises(psycopg.OperationalError):
            _connect(other.url, dbname="postgres").close()
        creator = factory.create("creator", recreate=True)  # past pg_hba, but not past CONNECT once confined
        try:
            with factory.server.connect() as conn:
                assert sorted(factory.confine_created(trial, conn)) == sorted([trial.name, "hostile_extra"])
            with pytest.raises(psycopg.OperationalError, match="permission denied"):
                _connect(creator.url, dbname="hostile_extra").close()
            _connect(trial.url, dbname="hostile_extra").close()  # its owner still can
        finally:
            factory.drop(creator)
    finally:
        factory.drop(trial)
        factory.drop(other)
    with factory.server.connect() as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname IN (%s, 'hostile_extra')",
                            (trial.name,)).fetchall()
    assert left == []


def test_no_autovacuum_worker_can_block_a_suites_own_reset(factory):
    """A non-superuser's DROP DATABASE ... WITH (FORCE) fails with InsufficientPrivilege when a superuser-owned
    process (an autovacuum worker) sits on the database; our server runs none, so a `recreate_database` suite's
    reset cannot flake on one. The failure it avoids, shown with a superuser session standing in for the worker."""
    with factory.server.connect() as conn:
        assert conn.execute("SHOW autovacuum").fetchone() == ("off",)
    trial = factory.create("reset-blocked", recreate=True)
    try:
        with factory.server.connect(trial.name) as sitting, _connect(trial.url, dbname="postgres") as conn:
            sitting.execute("SELECT 1")
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(trial.name)))
    finally:
        factory.drop(trial)


def _backends(factory: DatabaseFactory, role: str) -> list[tuple]:
    with factory.server.connect() as conn:
        return conn.execute("SELECT pid, datname FROM pg_stat_activity WHERE usename = %s", (role,)).fetchall()


def test_a_query_left_running_on_any_database_ends_with_the_trial(factory):
    trial = factory.create("outlive", recreate=True)
    errors: list[Exception] = []

    def sleep_on(dbname: str) -> None:
        try:
            with _connect(trial.url, dbname=dbname) as conn:
                conn.execute("SELECT pg_sleep(150)")
        except psycopg.Error as exc:
            errors.append(exc)

    threads = [threading.Thread(target=sleep_on, args=(db,)) for db in (trial.name, "postgres")]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(_backends(factory, trial.role)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert {db for _, db in _backends(factory, trial.role)} == {trial.name, "postgres"}
    factory.drop(trial)
    for thread in threads:
        thread.join(timeout=30)
    assert len(errors) == 2 and _backends(factory, trial.role) == []


def test_a_statement_ends_when_its_client_dies(factory):
    trial = factory.create("deadclient")
    code = "import sys, psycopg; psycopg.connect(sys.argv[1]).execute('SELECT pg_sleep(150)')"
    client = subprocess.Popen([sys.executable, "-c", code, trial.url])
    try:
        deadline = time.monotonic() + 30
        while not _backends(factory, trial.role) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _backends(factory, trial.role), "the client never got its query going"
        client.kill()
        client.wait()
        deadline = time.monotonic() + 30
        while _backends(factory, trial.role) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _backends(factory, trial.role) == [], "the backend kept running after its client died"
    finally:
        factory.drop(trial)


def test_a_session_on_the_template_does_not_break_the_next_clone(factory):
    tmpl = sql.Identifier(factory.template)
    with factory.server.connect() as admin:
        admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(tmpl))
        try:
            squatter = factory.server.connect(factory.template)
        finally:
            admin.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(tmpl))
    threading.Thread(target=lambda: _quietly(squatter.execute, "SELECT pg_sleep(150)"), daemon=True).start()
    time.sleep(0.2)
    trial = factory.create("afterthesquatter")  # was: ObjectInUse, an infra error for every later trial
    factory.drop(trial)
    squatter.close()


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except psycopg.Error:
        pass


def test_every_tmpfs_of_the_sandbox_has_an_inode_limit_and_no_namespace_can_be_made(grading_env, tmp_path):
    sandbox = grading_env.sandbox
    if not (isinstance(sandbox, BwrapSandbox) and sandbox.bounded_workspace):
        pytest.skip("inode limits need the sandbox run as root (it mounts the tmpfs itself)")
    limits = Limits(inodes=2048, wall_s=60)
    code = ("import json, os, subprocess\n"
            "files = {p: os.statvfs(p).f_files for p in ('/workspace', '/tmp', '/run', '/dev/shm')}\n"
            "userns = subprocess.run(['unshare', '--user', 'true']).returncode\n"
            "print('RESULT', json.dumps({'files': files, 'userns': userns}))\n")
    with sandbox.slot() as uid, sandbox.scratch(limits) as scratch:
        workspace = scratch / "workspace"
        workspace.mkdir()
        sandbox.prepare_workspace(workspace, uid)
        log = tmp_path / "run.log"
        result = sandbox.run([str(grading_env.runtime.python), "-c", code], workspace, {"PATH": "/usr/bin:/bin"},
                             limits, log, uid)
    output = log.read_text()
    assert result.exit_code == 0, output
    found = json.loads(output.split("RESULT ", 1)[1])
    assert found["files"]["/workspace"] <= 2048 and found["files"]["/tmp"] <= 2048, found
    assert found["files"]["/run"] <= 1024 and found["files"]["/dev/shm"] <= 1024, found
    assert found["userns"] != 0, "the graded code could create a user namespace"


def test_postgres_and_helpers_start_without_the_harness_environment(monkeypatch):
    canary = "sk-ant-CANARY-" + secrets.token_hex(8)
    monkeypatch.setenv("ANTHROPIC_API_KEY", canary)
    monkeypatch.setenv("OPENAI_API_KEY", canary)
    assert canary not in json.dumps(helper_env(HOME="/tmp"))
    try:
        server = start_cluster()
    except Exception as exc:  # no local PostgreSQL binaries
        pytest.skip(f"cannot start a throwaway cluster here: {exc}")
    try:
        environ = Path(f"/proc/{server._process.pid}/environ").read_bytes()
        assert b"PATH=" in environ and canary.encode() not in environ
    finally:
        server.stop()


@pytest.fixture()
def root_mounts():
    if os.geteuid() != 0 or not shutil.which("unshare"):
        pytest.skip("mount sweeping needs root and unshare")
    sandbox = BwrapSandbox()
    if not sandbox.bounded_workspace:
        pytest.skip("this machine cannot mount a tmpfs")
    return sandbox


def _sweep_in_another_pid_namespace() -> subprocess.CompletedProcess:
    code = "from graders.sandbox import sweep_scratch; sweep_scratch()"
    return subprocess.run(["unshare", "--pid", "--fork", "--mount-proc", sys.executable, "-c", code], cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def test_the_mount_sweep_leaves_a_live_harness_mounts_alone(root_mounts):
    with root_mounts.scratch(Limits(workspace_mb=8, inodes=256)) as scratch:
        (scratch / "marker").write_text("live\n")
        done = _sweep_in_another_pid_namespace()  # our pid is invisible there
        assert done.returncode == 0, done.stderr
        assert os.path.ismount(scratch) and (scratch / "marker").read_text() == "live\n"


def test_the_mount_sweep_removes_a_dead_harness_mounts(root_mounts):
    stale = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}999999999-"))
    _mount_tmpfs(stale, 1, 64)
    MOUNT_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    (MOUNT_LOCKS / f"{stale.name}.lock").write_text("")  # recorded, but nobody holds the lock: its harness died
    unrecorded = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}999999998-"))
    _mount_tmpfs(unrecorded, 1, 64)
    try:
        sweep_scratch()
        assert not stale.exists() and not (MOUNT_LOCKS / f"{stale.name}.lock").exists()
        assert os.path.ismount(unrecorded), "a mount without a lock file is not provably ours"
    finally:
        for path in (stale, unrecorded):
            if os.path.ismount(path):
                subprocess.run(["umount", "-l", str(path)], check=False)
            shutil.rmtree(path, ignore_errors=True)


def test_a_database_limit_is_configurable_per_task(tmp_path):
    from harness.tasks import load_task

    task = tmp_path / "attacks"
    shutil.copytree(REPO / "tests" / "fixtures" / "hostile" / "attacks", task)
    toml = (task / "task.toml").read_text().replace("[grading]\n", "[grading]\ndb_limit_mb = 64\n")
    (task / "task.toml").write_text(toml)
    assert load_task(task).grading.db_limit_mb == 64
    assert load_task(REPO / "tests" / "fixtures" / "hostile" / "attacks").grading.db_limit_mb == 256
    assert load_task(REPO / "tasks" / "test-orders-suite").grading.recreate_database is True
    assert dataclasses.replace(load_task(task).grading, db_limit_mb=0).db_limit_mb == 0


def test_a_run_that_grows_its_database_past_the_limit_is_stopped_and_says_why(grading_env, tmp_path):
    from graders import GradingContext
    from graders.spec import GradingSpec

    trial = grading_env.databases.create("guarded")
    spec = GradingSpec("guarded", tmp_path, db_limit_mb=24)
    code = ("import os, psycopg\n"
            "with psycopg.connect(os.environ['DBOS_SYSTEM_DATABASE_URL'], autocommit=True) as conn:\n"
            "    conn.execute('CREATE TABLE fill (x text)')\n"
            "    conn.execute('ALTER TABLE fill ALTER COLUMN x SET STORAGE EXTERNAL')\n"
            "    for _ in range(4096):\n"
            "        conn.execute(\"INSERT INTO fill SELECT repeat(md5(random()::text), 32768)\")\n"
            "print('FILLED 4 GB')\n")
    try:
        with grading_env.sandbox.slot() as uid, grading_env.sandbox.scratch(grading_env.limits) as scratch:
            workspace = scratch / "workspace"
            workspace.mkdir()
            grading_env.sandbox.prepare_workspace(workspace, uid)
            ctx = GradingContext(grading_env, spec, workspace, trial, tmp_path, uid)
            result = ctx.run([str(grading_env.runtime.python), "-c", code], tmp_path / "fill.log", 120)
        assert result.limit and "past the 24 MB limit" in result.limit, (tmp_path / "fill.log").read_text()[-500:]
        assert ctx.exceeded == [result.limit] and "FILLED" not in (tmp_path / "fill.log").read_text()
        assert not result.timed_out
    finally:
        grading_env.databases.drop(trial)
