"""No container outlives its harness (issue 13): a SIGKILLed harness leaves its containers running, and the next
docker-using command removes them and says so, while a live run's containers on the same engine stay; Ctrl-C
removes a run's own containers and prints no traceback. Real engine, real harness processes."""

from __future__ import annotations

import fcntl
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from psycopg.conninfo import conninfo_to_dict

from graders.docker_sandbox import LABEL, OWNER_LABEL, owner_locks, sweep_containers
from tests.conftest import FIXTURE_TASKS, REPO

pytestmark = pytest.mark.docker
WAIT_S = 300  # a harness opening docker and starting its first container, on a loaded 2-core machine


def _pg_url(server) -> str:
    """The session's Postgres as a --pg-url: a SIGKILLed harness cannot stop a server of its own."""
    info = conninfo_to_dict(server.admin_conninfo)
    auth = f"{quote(info['user'])}:{quote(info['password'])}"
    return f"postgresql://{auth}@/postgres?host={quote(info['host'])}&port={info['port']}"


@pytest.fixture()
def grade_cmd(pg_server, docker_base, tmp_path):
    """``grade DIR`` under docker against a copy of the fixture task whose hidden tests may run 15 minutes, and
    a folder whose code sleeps at import, so its container runs until it is killed."""
    tasks = tmp_path / "tasks"
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", tasks / "greet-workflow")
    toml = tasks / "greet-workflow" / "task.toml"
    toml.write_text(toml.read_text().replace("test_timeout_s = 120", "test_timeout_s = 900"))
    reference = tasks / "greet-workflow" / "reference"
    slow = tmp_path / "slow"
    slow.mkdir()
    (slow / "greet.py").write_text("import time\ntime.sleep(900)\n" + (reference / "greet.py").read_text())
    env = {**os.environ, "DBOS_EVAL_DOCKER_IMAGE": docker_base}

    def start(folder: Path, name: str) -> subprocess.Popen:
        argv = [sys.executable, "run_eval.py", "grade", "greet-workflow", str(folder), "--sandbox", "docker",
                "--slots", "1", "--pg-url", _pg_url(pg_server), "--tasks-dir", str(tasks),
                "--results-dir", str(tmp_path / f"results-{name}")]
        return subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True,  # its own process group, SIGINT as in a terminal
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))

    return start, slow, reference


def _containers(client, pid: int) -> list:
    return client.containers.list(all=True, filters={"label": f"{LABEL}.pid={pid}"})


def _running_container(client, proc: subprocess.Popen) -> str:
    """The id of the first container ``proc`` runs (waits for it)."""
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        running = [c for c in _containers(client, proc.pid) if c.status == "running"]
        if running:
            return running[0].id
        if proc.poll() is not None:
            pytest.fail(f"the harness ended before it started a container: {proc.stdout.read()}")
        time.sleep(0.5)
    pytest.fail(f"no container of pid {proc.pid} after {WAIT_S} s")


def _kill_group(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_a_killed_runs_containers_are_swept_by_the_next_command_and_a_live_runs_are_not(docker_grading_env,
                                                                                         grade_cmd):
    client = docker_grading_env.sandbox.client
    start, slow, reference = grade_cmd
    live = start(slow, "live")
    killed = start(slow, "killed")
    try:
        live_container = _running_container(client, live)
        killed_container = _running_container(client, killed)
        token = client.containers.get(killed_container).labels[OWNER_LABEL]
        assert token != client.containers.get(live_container).labels[OWNER_LABEL]
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait()
        # still there: running, or stopped once it wrote to a FIFO whose reader died with the harness
        assert [c.id for c in _containers(client, killed.pid)] == [killed_container]

        following = start(reference, "next")
        out, _ = following.communicate(timeout=WAIT_S * 2)
        assert following.returncode == 0, out
        assert "Removed 1 docker container(s) left by harness processes that died" in out, out
        assert _containers(client, killed.pid) == [], "the killed run's container is still there"
        assert not (owner_locks() / f"{token}.lock").exists(), "the dead owner's lock file was kept"
        assert client.containers.get(live_container).status == "running", "the live run's container was touched"
        assert live.poll() is None
        assert _containers(client, following.pid) == [], "a normal exit left a container"

        os.killpg(live.pid, signal.SIGINT)  # Ctrl-C in the live run's terminal, during grading
        out, _ = live.communicate(timeout=WAIT_S)
        assert live.returncode == 130, out
        assert "Interrupted" in out and "Traceback" not in out, out
        assert _containers(client, live.pid) == [], "Ctrl-C left the run's container"
    finally:
        for proc in (live, killed):
            _kill_group(proc)
        for pid in (live.pid, killed.pid):
            for container in _containers(client, pid):
                container.remove(force=True)


def test_a_sweep_takes_only_containers_whose_owner_lock_it_can_take(docker_grading_env):
    """Dead (a lock file nobody holds): removed, lock file too. Alive (its lock held): kept. Unrecorded (no lock
    file: another user's or machine's) and unlabelled: kept."""
    box = docker_grading_env.sandbox
    client = box.client
    folder = owner_locks()
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    dead, alive, unrecorded = (secrets.token_hex(8) for _ in range(3))
    (folder / f"{dead}.lock").write_text("")
    (folder / f"{alive}.lock").write_text("")
    created = []
    try:
        with open(folder / f"{alive}.lock") as held:
            fcntl.flock(held, fcntl.LOCK_EX)
            for labels in ({LABEL: "trial", OWNER_LABEL: dead}, {LABEL: "trial", OWNER_LABEL: dead},
                           {LABEL: "trial", OWNER_LABEL: alive}, {LABEL: "trial", OWNER_LABEL: unrecorded},
                           {LABEL: "trial"}):
                created.append(client.containers.create(box.image.tag, ["true"], network_mode="none",
                                                        labels=labels))
            assert sweep_containers(client) >= 2  # other dead harnesses' containers may go too
            left = {c.id for c in client.containers.list(all=True, filters={"label": LABEL})}
            assert [c.id in left for c in created] == [False, False, True, True, True]
            assert not (folder / f"{dead}.lock").exists() and (folder / f"{alive}.lock").exists()
    finally:
        for container in created:
            try:
                container.remove(force=True)
            except Exception:
                pass
        (folder / f"{alive}.lock").unlink(missing_ok=True)


def test_a_container_that_cannot_start_is_removed_at_once(docker_grading_env, monkeypatch, tmp_path):
    from graders.errors import SetupError
    from graders.sandbox import Limits

    box = docker_grading_env.sandbox
    options = box.container_options
    monkeypatch.setattr(box, "container_options",  # created fine; the runtime refuses this tmpfs at start
                        lambda *args: {**options(*args), "tmpfs": {"/x": "nr_inodes=banana"}})
    before = {c.id for c in _containers(box.client, os.getpid())}
    with box.slot() as uid, box.scratch(Limits()) as scratch:
        (scratch / "workspace").mkdir()
        with pytest.raises(SetupError, match="starting a container failed"):
            box.start(["true"], scratch / "workspace", {}, Limits(wall_s=30), tmp_path / "log", uid)
    assert {c.id for c in _containers(box.client, os.getpid())} == before
