"""The docker backend against a real engine: what a container lets graded code do, the wall clock, removal,
the streamed-results fd, verdicts equal to bwrap's, and the one-line errors when no engine answers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from contextlib import contextmanager

import pytest

from graders import grade
from graders.docker_sandbox import LABEL, SETUP_COMMAND, image_tag
from graders.sandbox import Limits
from harness.models import read_tree
from harness.tasks import load_task
from tests.conftest import FIXTURE_TASKS, REPO

pytestmark = pytest.mark.docker

PROBE = textwrap.dedent("""
    import json, os, socket
    def attempt(f):
        try:
            f()
            return "allowed"
        except OSError as exc:
            return type(exc).__name__
    def cgroup(name):
        for path in (f"/sys/fs/cgroup/{name}", f"/sys/fs/cgroup/memory/{name}", f"/sys/fs/cgroup/pids/{name}"):
            if os.path.exists(path):
                return open(path).read().strip()
    status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines())
    tmp = os.statvfs("/tmp")
    print(json.dumps({
        "uid": os.getuid(), "env": sorted(os.environ), "cap_eff": status["CapEff"].strip(),
        "no_new_privs": status["NoNewPrivs"].strip(),
        "write_root": attempt(lambda: open("/etc/probe", "w")),
        "write_usr": attempt(lambda: open("/usr/probe", "w")),
        "tcp": attempt(lambda: socket.create_connection(("1.1.1.1", 53), timeout=2)),
        "tmp_mb": tmp.f_blocks * tmp.f_frsize // 2**20, "tmp_inodes": tmp.f_files,
        "workspace_write": attempt(lambda: open("/workspace/out.txt", "w").write("x")),
        "memory_limit": cgroup("memory.limit_in_bytes") or cgroup("memory.max"),
        "memsw_limit": cgroup("memory.memsw.limit_in_bytes") or cgroup("memory.swap.max"),
        "pids_max": cgroup("pids.max"),
        "interfaces": sorted(name for _, name in socket.if_nameindex()),
    }))
""")


@contextmanager
def check(env, files: dict[str, str]):
    """A slot and a scratch workspace holding ``files``, as ``grade`` sets up one check."""
    box = env.sandbox
    with box.slot() as uid, box.scratch(env.limits) as scratch:
        ws = scratch / "workspace"
        ws.mkdir()
        for name, text in files.items():
            (ws / name).write_text(text)
        box.prepare_workspace(ws, uid)
        yield box, ws, uid


def leftovers(env, *runs) -> list[str]:
    """Those of ``runs``' containers the engine still has, running or stopped (other harness runs on this
    machine may have containers of their own: only ours are checked)."""
    alive = {c.id for c in env.sandbox.client.containers.list(all=True, filters={"label": f"{LABEL}=trial"})}
    return [r.container.id for r in runs if r.container.id in alive]


def run(box, *args, **kw):
    running = box.start(*args, **kw)
    return running.wait(), running


def test_a_container_is_isolated_and_bounded(docker_grading_env, tmp_path):
    env = docker_grading_env
    limits = Limits(wall_s=60, tmp_mb=32, inodes=2048, memory_mb=512)
    python = str(env.runtime.python)
    with check(env, {"probe.py": PROBE}) as (box, ws, uid):
        result, running = run(box, [python, "probe.py"], ws, {"PATH": "/usr/bin:/bin", "ONLY": "this"}, limits,
                              tmp_path / "probe.log", uid)
        wrote = (ws / "out.txt").read_text()
    out = (tmp_path / "probe.log").read_text()
    assert result.exit_code == 0, out
    seen = json.loads(out.strip().splitlines()[-1])
    assert seen["uid"] == uid and uid != 0
    assert set(seen["env"]) <= {"PATH", "ONLY", "HOSTNAME", "HOME", "LC_CTYPE"}, seen["env"]  # docker adds HOSTNAME
    assert int(seen["cap_eff"], 16) == 0 and seen["no_new_privs"] == "1"
    assert seen["write_root"] != "allowed" and seen["write_usr"] != "allowed"
    assert seen["tcp"] != "allowed" and seen["interfaces"] == ["lo"]
    assert seen["tmp_mb"] == 32 and seen["tmp_inodes"] == 2048
    assert seen["workspace_write"] == "allowed" and wrote == "x"
    assert int(seen["memory_limit"]) == 512 * 2**20
    assert seen["memsw_limit"] in (str(512 * 2**20), "0")  # v1: memory+swap equals memory; v2: no swap
    assert seen["pids_max"] == str(limits.nproc)
    assert leftovers(env, running) == []


def test_the_wall_clock_kills_the_container_and_nothing_is_left(docker_grading_env, tmp_path):
    env = docker_grading_env
    with check(env, {"spin.py": "import time\nprint('up', flush=True)\ntime.sleep(600)\n"}) as (box, ws, uid):
        result, running = run(box, [str(env.runtime.python), "spin.py"], ws, {}, Limits(wall_s=3),
                              tmp_path / "spin.log", uid)
    assert result.timed_out and result.exit_code is None
    log = (tmp_path / "spin.log").read_text()
    assert "up" in log and "wall-clock limit" in log
    assert leftovers(env, running) == []


def test_a_passed_fd_reaches_the_code_and_a_killed_run_reports_sigkill(docker_grading_env, tmp_path):
    env = docker_grading_env
    read_fd, write_fd = os.pipe()
    code = "import os, sys, time\nos.write(int(sys.argv[1]), b'hello from inside\\n')\ntime.sleep(600)\n"
    with check(env, {"fd.py": code}) as (box, ws, uid):
        running = box.start([str(env.runtime.python), "fd.py", str(write_fd)], ws, {}, Limits(wall_s=60),
                            tmp_path / "fd.log", uid, pass_fds=(write_fd,))
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as pipe:
            first = pipe.readline()
            running.kill()
            result = running.wait()
            assert pipe.read() == b""  # every writer is gone once the run ended
    assert first == b"hello from inside\n"
    assert result.exit_code == -9 and not result.timed_out
    assert leftovers(env, running) == []


def test_output_past_the_file_size_limit_is_a_flood(docker_grading_env, tmp_path):
    env = docker_grading_env
    limits = Limits(wall_s=60, file_size_mb=2, log_mb=1)
    flood = "import sys\nfor _ in range(4096):\n    sys.stdout.write('x' * 1023 + '\\n')\n"
    with check(env, {"flood.py": flood}) as (box, ws, uid):
        result = box.run([str(env.runtime.python), "flood.py"], ws, {}, limits, tmp_path / "flood.log", uid)
    assert result.flooded(limits) and "file-size limit" in (result.limit or "")
    assert (tmp_path / "flood.log").stat().st_size <= 2**20 + 4096


def _files(task, mutant: str | None) -> dict[str, str]:
    files = {**read_tree(task.app_dir), **read_tree(task.reference_dir)}
    if mutant:
        files.update(read_tree(task.path / "mutants" / mutant))
    return files


def test_verdicts_equal_bwrap_on_a_reference_and_its_mutants(docker_grading_env, grading_env, tmp_path):
    task = load_task(FIXTURE_TASKS / "greet-workflow")
    mutants = sorted(p.name for p in (task.path / "mutants").iterdir())[:2]
    for i, mutant in enumerate([None, *mutants]):
        src = tmp_path / f"files{i}"
        for rel, text in _files(task, mutant).items():
            (src / rel).parent.mkdir(parents=True, exist_ok=True)
            (src / rel).write_text(text)
        verdicts = {name: grade(src, task.grading, env, tmp_path / f"logs-{name}-{i}", f"dockereq{i}{name[0]}")
                    for name, env in (("docker", docker_grading_env), ("bwrap", grading_env))}
        summary = {n: (v.status, v.passed, v.reason) for n, v in verdicts.items()}
        assert summary["docker"] == summary["bwrap"], (mutant, summary, verdicts["docker"].detail)
        assert verdicts["docker"].passed is (mutant is None), (mutant, verdicts["docker"].detail)


def test_the_runtime_image_is_tagged_by_its_inputs_and_built_once(docker_grading_env, docker_base):
    from graders.docker_sandbox import ensure_image
    from graders.runtime import REQUIREMENTS

    box = docker_grading_env.sandbox
    again = ensure_image(box.client, docker_base, box.venv, REQUIREMENTS)
    assert again.tag == box.image.tag and not again.built
    base_id = box.client.images.get(docker_base).id
    assert image_tag(base_id, box.venv, REQUIREMENTS) == again.tag
    assert image_tag(base_id, box.venv, (*REQUIREMENTS[:-1], "requests==2.0")) != again.tag
    assert image_tag("sha256:other", box.venv, REQUIREMENTS) != again.tag


def _no_engine_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    return {**env, "DOCKER_HOST": "unix:///nonexistent/docker.sock"}


def test_no_engine_is_one_line_and_exit_2(tmp_path):
    grade_cmd = [sys.executable, "run_eval.py", "grade", "greet-workflow", str(tmp_path), "--sandbox", "docker",
                 "--tasks-dir", str(FIXTURE_TASKS), "--results-dir", str(tmp_path / "results")]
    setup_cmd = [sys.executable, "-c", SETUP_COMMAND, "python:3.11-slim"]
    for argv in (grade_cmd, setup_cmd):
        done = subprocess.run(argv, cwd=REPO, env=_no_engine_env(), capture_output=True, text=True, timeout=300)
        lines = (done.stdout + done.stderr).strip().splitlines()
        assert done.returncode == 2, (argv, done.stdout, done.stderr)
        assert "no Docker engine is reachable" in lines[-1] and "start Docker Desktop" in lines[-1], lines
        assert not any("Traceback" in line or "reachable" in line for line in lines[:-1]), lines

