"""Generated code is untrusted: it must not reach the network, the harness's environment, or another
trial's database. Runs the real pipeline (Postgres + bubblewrap) on the sandbox-probe fixture task."""

import dataclasses
import socket
import threading

import psycopg
import pytest

from graders import GradingEnvironment, grade
from graders.sandbox import make_sandbox
from harness.models import read_tree
from harness.tasks import load_task
from tests.conftest import FIXTURE_TASKS


@pytest.fixture()
def listener():
    """A TCP server on the host's loopback: graded code must not reach it."""
    server = socket.create_server(("127.0.0.1", 0))
    accepted = []
    threading.Thread(target=lambda: accepted.append(server.accept()), daemon=True).start()
    yield server.getsockname()[1], accepted
    server.close()


def probe_workspace(tmp_path, mutant: str | None = None):
    task = load_task(FIXTURE_TASKS / "sandbox-probe")
    files = {**read_tree(task.app_dir), **read_tree(task.reference_dir)}
    if mutant:
        files.update(read_tree(task.path / "mutants" / mutant))
    ws = tmp_path / "ws"
    for rel, text in files.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)
    return task, ws


def probe_spec(task, env: GradingEnvironment, port: int):
    other = env.databases.create("other-trial")
    spec = dataclasses.replace(task.grading, env={"SANDBOX_PROBE_PORT": str(port),
                                                  "SANDBOX_PROBE_OTHER_DBNAME": other.name})
    return spec, other


def test_graded_code_sees_no_network_no_secret_and_no_other_database(tmp_path, grading_env, listener, monkeypatch):
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-not-a-real-key")
    monkeypatch.setenv("HARNESS_ONLY_SECRET", "harness-only")
    port, accepted = listener
    task, ws = probe_workspace(tmp_path)
    spec, other = probe_spec(task, grading_env, port)
    try:
        verdict = grade(ws, spec, grading_env, tmp_path / "logs", "probe")
    finally:
        grading_env.databases.drop(other)
    tests = verdict.check("hidden_tests").tests
    assert verdict.passed, (verdict.detail, (tmp_path / "logs" / "hidden_tests.log").read_text()[-3000:])
    assert tests.total == 4 and not accepted


def test_the_probe_can_fail_without_a_sandbox(tmp_path, grading_env, listener):
    """Unsandboxed, the same probe reaches the host's loopback: the probe test is not a grader that cannot fail."""
    port, accepted = listener
    task, ws = probe_workspace(tmp_path)
    spec, other = probe_spec(task, grading_env, port)
    unsandboxed = dataclasses.replace(grading_env, sandbox=make_sandbox("none", [], []))
    try:
        verdict = grade(ws, spec, unsandboxed, tmp_path / "logs", "probe-none")
    finally:
        grading_env.databases.drop(other)
    assert verdict.passed is False
    assert "test_probe::test_no_tcp_to_the_host" in verdict.check("hidden_tests").tests.failing


def test_a_leaked_secret_is_reported_as_a_failure(tmp_path, grading_env, listener):
    port, _ = listener
    task, ws = probe_workspace(tmp_path, "reads-env")
    spec, other = probe_spec(task, grading_env, port)
    try:
        verdict = grade(ws, spec, grading_env, tmp_path / "logs", "probe-leak")
    finally:
        grading_env.databases.drop(other)
    assert verdict.check("hidden_tests").tests.failing == ("test_probe::test_no_harness_secret_is_visible",)


def test_a_trial_role_cannot_open_another_trials_database(grading_env):
    a = grading_env.databases.create("role-a")
    b = grading_env.databases.create("role-b")
    try:
        a_params = psycopg.conninfo.conninfo_to_dict(a.url)
        with psycopg.connect(**a_params):
            pass
        with pytest.raises(psycopg.OperationalError, match="permission denied|no pg_hba.conf entry"):
            psycopg.connect(**{**a_params, "dbname": b.name}).close()
        with psycopg.connect(**a_params, autocommit=True) as conn:
            row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
            assert row == (False,), "a trial role must never be a superuser"
            owner = conn.execute("SELECT tableowner FROM pg_tables WHERE schemaname = 'dbos' LIMIT 1").fetchone()
            assert owner == (a.role,), "the trial role owns the DBOS tables it writes"
    finally:
        grading_env.databases.drop(a)
        grading_env.databases.drop(b)
    with grading_env.server.connect() as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (a.name,)).fetchone() is None
        assert conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (a.role,)).fetchone() is None
