"""Running untrusted generated code in Docker: for hosts without bubblewrap (macOS, Windows, locked-down CI).

Per run a fresh container of the runtime image (the base image plus the grading runtime's pinned venv at the
same path as on the host, so argv and the environment need no translation): no network, a read-only root, a
non-root user (the slot's uid), no capabilities, ``no-new-privileges``, only the environment the grader
passes, cgroup limits on the whole trial (memory with no swap, pids, a CPU quota) besides the per-process
rlimits, and ``/tmp``, ``/run`` and ``/dev/shm`` as tmpfs mounts with sizes and inode counts. The workspace is
the same bounded scratch tmpfs the bwrap backend uses, bound at ``/workspace``; Postgres is reached through its
socket directory, bound at the same path. docker-init is pid 1 (it reaps orphans; the code itself is never the
namespace's unkillable init, so a task's own SIGKILL drill works). The wall clock starts once the container
runs; at it the container is killed, and it is always removed.

File descriptors cannot cross into a container, so stdout/stderr and every ``pass_fds`` entry (the hidden
tests' result stream) go through FIFOs in the scratch directory: a small wrapper in the container opens each,
unlinks it (so nothing started later can open it) and ``dup2``s it onto the same fd number before it
``exec``s the command; a thread on the host copies each FIFO into the real fd (the log capped at
``file_size_mb``, like RLIMIT_FSIZE under bwrap).

No container outlives its harness for long: each carries the owner token of the harness process that started
it (and its pid and host, for people), and the process holds a lock on ``<token>.lock`` in ``OWNER_LOCKS``
(``flock``, released by the kernel however the process dies). At start-up ``sweep_containers`` removes the
containers of every token whose lock it can take: their harness is gone (a SIGKILL leaves them running).
A token without a lock file (another user's, another machine's) is not provably dead and is left alone, as is
a container without a token. Ctrl-C removes the process's own containers (``release_owner``), and so does a
normal exit.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graders.environ import NETWORK, helper_env
from graders.errors import SetupError
from graders.sandbox import (
    INSIDE_WORKSPACE,
    MB,
    SMALL_TMPFS_INODES,
    SMALL_TMPFS_MB,
    BwrapSandbox,
    Limits,
    Running,
    RunResult,
    _can_mount_tmpfs,
    _cap_log,
    sweep_scratch,
)

DEFAULT_BASE = "python:3.11-slim"
IMAGE_REPO = "dbos-skill-eval-runtime"
FALLBACK_UID = 65534  # the container user when the harness is not root (no slot uids): nobody
ENGINE_HINT = ("no Docker engine is reachable: start Docker Desktop (macOS, Windows) or `dockerd` (Linux), or "
               "set DOCKER_HOST; or use --sandbox bwrap")
FIFO_DIR = ".fds"  # in the scratch tmpfs, beside the workspace
INSIDE_FIFOS = "/run/dbos-eval-fds"
LABEL = "dbos-skill-eval"
OWNER_LABEL = f"{LABEL}.owner"  # the token of the harness process that started the container
# Runs first in the container: sets the per-process address-space limit (docker has no such ulimit), opens
# each FIFO onto its fd number, unlinks it, then execs the command.
WRAPPER = ("import json,os,resource,sys\n"
           "plan = json.loads(sys.argv[1])\n"
           "resource.setrlimit(resource.RLIMIT_AS, (plan['as'], plan['as']))\n"
           "for fd, path in plan['fds']:\n"
           "    f = os.open(path, os.O_WRONLY)\n"
           "    os.unlink(path)\n"
           "    for n in fd:\n"
           "        os.dup2(f, n)\n"
           "    os.close(f)\n"
           "os.execv(sys.argv[2], sys.argv[2:])\n")


def engine() -> Any:
    """A client of the reachable Docker engine, or ``SetupError`` saying what to start."""
    import docker

    try:
        client = docker.from_env(timeout=120)
        client.ping()
    except Exception as exc:  # docker raises DockerException, requests' errors, or FileNotFoundError
        raise SetupError(f"{ENGINE_HINT} ({type(exc).__name__})") from None
    return client


def owner_locks() -> Path:
    """Where owner tokens' lock files live: per user and fixed (not the run's cache dir), so every harness run of
    this user on this machine sees every other's."""
    from graders.runtime import default_cache_dir

    return default_cache_dir() / "docker-owners"


_owner: tuple[str, IO[str]] | None = None  # this process's token and its held lock file
_owner_guard = threading.Lock()


def owner_labels() -> dict[str, str]:
    """The labels of a container this process starts: ours, and owned by this process while it lives."""
    global _owner
    with _owner_guard:
        if _owner is None:
            folder = owner_locks()
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            token = secrets.token_hex(8)
            fresh = folder / f".{token}.new"
            lock = open(fresh, "w")  # noqa: SIM115 - held until this process ends
            fcntl.flock(lock, fcntl.LOCK_EX)
            lock.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            lock.flush()
            fresh.rename(folder / f"{token}.lock")  # appears already locked: a sweep never sees it free
            _owner = (token, lock)
            atexit.register(release_owner)
        token = _owner[0]
    return {LABEL: "trial", OWNER_LABEL: token, f"{LABEL}.pid": str(os.getpid()),
            f"{LABEL}.host": socket.gethostname()}


def _remove_own() -> tuple[int, bool]:
    """How many of our containers were removed, and whether none is left."""
    if _owner is None:
        return 0, True
    try:
        removed, failed = _remove(engine(), _owner[0])
    except Exception:  # no engine, or it did not answer: the next start's sweep removes them
        return 0, False
    return removed, not failed


def release_owner() -> None:
    """At exit or on Ctrl-C: our containers go, then our lock file (kept if a container could not go: the next
    start's sweep takes both)."""
    global _owner
    if _owner is None:
        return
    token, lock = _owner
    if _remove_own()[1]:
        (owner_locks() / f"{token}.lock").unlink(missing_ok=True)
    lock.close()
    _owner = None


def _remove(client: Any, token: str) -> tuple[int, int]:
    """Remove the containers of ``token``: how many were removed and how many could not be."""
    import docker

    removed = failed = 0
    for container in client.containers.list(all=True, filters={"label": f"{OWNER_LABEL}={token}"}):
        try:
            container.remove(force=True)
            removed += 1
        except docker.errors.NotFound:  # its run removed it meanwhile
            pass
        except Exception:  # the engine is busy or refused
            failed += 1
    return removed, failed


def sweep_containers(client: Any) -> int:
    """Remove the containers of harness processes that are gone; how many (see the module's docstring).

    A token is dead when its lock file exists and its lock can be taken; its lock file goes once none of its
    containers is left, so a container whose removal failed is tried again at the next start."""
    ours = _owner[0] if _owner else None
    removed = 0
    for lock_file in sorted(owner_locks().glob("*.lock")):
        token = lock_file.name.removesuffix(".lock")
        if token == ours:
            continue
        try:
            lock = open(lock_file, "r+")  # noqa: SIM115 - closed below
        except OSError:
            continue
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its harness is alive
            try:
                gone, failed = _remove(client, token)
            except Exception:  # the engine did not answer: the next start tries again
                continue
            removed += gone
            if not failed:
                lock_file.unlink(missing_ok=True)
    return removed


@dataclass(frozen=True)
class RuntimeImage:
    tag: str
    base: str
    built: bool  # False: it was already there
    seconds: float


def image_tag(base_id: str, venv: Path, requirements: Sequence[str]) -> str:
    """The runtime image's tag: a hash of everything it is built from."""
    key = hashlib.sha256("\n".join((base_id, str(venv), *requirements)).encode()).hexdigest()[:16]
    return f"{IMAGE_REPO}:{key}"


def ensure_image(client: Any, base: str, venv: Path, requirements: Sequence[str]) -> RuntimeImage:
    """The runtime image for ``base`` with ``requirements`` in a venv at ``venv``, built once.

    The build has no network (the engine may have no bridge, and none is needed): the pinned requirements are
    downloaded as wheels on the host, for the base image's Python and glibc, and installed from the build
    context with ``--no-index``.
    """
    import docker

    started = time.perf_counter()
    try:
        base_image = client.images.get(base)
    except docker.errors.ImageNotFound:
        try:
            base_image = client.images.pull(base)
        except docker.errors.APIError as exc:
            raise SetupError(f"--docker-image {base}: not present and cannot be pulled ({_first_line(exc)})") from None
    tag = image_tag(base_image.id, venv, requirements)
    try:
        client.images.get(tag)
        return RuntimeImage(tag, base, False, time.perf_counter() - started)
    except docker.errors.ImageNotFound:
        pass
    python, glibc = _base_python(client, base_image.id, base)
    with tempfile.TemporaryDirectory(prefix="dbos-eval-image-") as context:
        _download_wheels(Path(context) / "wheels", python, glibc, requirements)
        reqs = " ".join(f"'{r}'" for r in requirements)
        (Path(context) / "Dockerfile").write_text(
            f"FROM {base_image.id}\n"
            "COPY wheels /tmp/wheels\n"
            f"RUN python3 -m venv {venv} && {venv}/bin/pip install --quiet --no-index --disable-pip-version-check "
            f"--find-links /tmp/wheels {reqs} && rm -rf /tmp/wheels && chmod -R a+rX {venv}\n")
        try:
            client.images.build(path=context, tag=tag, network_mode="none", rm=True, forcerm=True,
                                labels={LABEL: "runtime"})
        except docker.errors.BuildError as exc:
            log = "".join(str(x.get("stream", "")) for x in exc.build_log).strip().splitlines()[-3:]
            raise SetupError(f"building {tag} from {base} failed: {' | '.join(log) or exc.msg}") from None
    return RuntimeImage(tag, base, True, time.perf_counter() - started)


def _base_python(client: Any, image_id: str, base: str) -> tuple[str, str]:
    """The base image's ``python3`` version (``3.11``) and glibc (``2.36``)."""
    code = "import platform,sys; print('%d.%d' % sys.version_info[:2], platform.libc_ver()[1])"
    try:
        out = client.containers.run(image_id, ["python3", "-c", code], network_mode="none", remove=True,
                                    labels=owner_labels())
        version, glibc = out.decode().split()
    except Exception as exc:  # no python3 in it, or a musl image (no glibc version)
        raise SetupError(f"--docker-image {base}: needs python3 >= 3.10 on glibc ({_first_line(exc)})") from None
    return version, glibc


def _download_wheels(dest: Path, python: str, glibc: str, requirements: Sequence[str]) -> None:
    arch = {"arm64": "aarch64"}.get(os.uname().machine, os.uname().machine)
    major, minor = (int(x) for x in glibc.split(".")[:2])
    platforms = [f"manylinux_{major}_{m}_{arch}" for m in range(minor, 4, -1)]  # every glibc up to the image's
    platforms += [f"manylinux{tag}_{arch}" for tag in ("2014", "2010", "1") if arch in ("x86_64", "i686") or
                  tag == "2014"]
    platform = platforms[0]
    argv = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--dest", str(dest),
            "--only-binary=:all:", "--python-version", python, "--implementation", "cp",
            *(f"--platform={p}" for p in platforms), *requirements]
    env = helper_env((*NETWORK, "HOME", "XDG_CACHE_HOME", "REQUESTS_CA_BUNDLE",
                      *(k for k in os.environ if k.startswith("PIP_"))))
    done = subprocess.run(argv, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        raise SetupError(f"downloading the runtime's wheels for Python {python} ({platform}) failed: {tail[0]}")


def _ran_s(state: Mapping[str, Any]) -> float | None:
    """How long the container's process ran, from the engine's own timestamps; None while it runs."""
    from datetime import datetime

    if state.get("Status") not in ("exited", "dead"):
        return None
    try:
        start, end = (datetime.fromisoformat(str(state[k])[:26].rstrip("Z") + "+00:00")
                      for k in ("StartedAt", "FinishedAt"))
    except (KeyError, ValueError):
        return None
    return (end - start).total_seconds()


def _fifo_dir(scratch: Path, uid: int | None) -> Path:
    """A fresh directory for one run's FIFOs, in a root-owned folder of the scratch tmpfs: the graded code of an
    earlier run cannot have planted anything there; the run's own wrapper may unlink in it."""
    parent = scratch / FIFO_DIR
    parent.mkdir(mode=0o755, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
    if uid is not None:
        os.chown(path, uid, uid)
    else:
        path.chmod(0o777)
    return path


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


class DockerSandbox(BwrapSandbox):
    """The bwrap backend's slots (a uid per trial) and bounded scratch tmpfs, with a container per run."""

    name = "docker"

    def __init__(self, venv: Path, shared: Sequence[Path] = (), base: str = DEFAULT_BASE,
                 requirements: Sequence[str] = ()) -> None:
        super(BwrapSandbox, self).__init__((), shared)
        self.client = engine()
        self.swept = sweep_containers(self.client)  # left by harness processes that died (e.g. SIGKILL)
        self.venv = venv
        self.image = ensure_image(self.client, base, venv, requirements)
        self.as_root = os.geteuid() == 0
        self.bounded_workspace = self.as_root and _can_mount_tmpfs()
        self._system = set()
        if self.bounded_workspace:
            sweep_scratch()

    def prepare_workspace(self, workspace: Path, uid: int | None) -> None:
        if uid is not None:
            super().prepare_workspace(workspace, uid)
            return
        for dirpath, _dirs, files in os.walk(workspace):  # not root: the container's nobody must write it
            os.chmod(dirpath, 0o777)
            for name in files:
                path = os.path.join(dirpath, name)
                if not os.path.islink(path):
                    os.chmod(path, os.stat(path).st_mode | 0o666)

    def start(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
              log: Path, uid: int | None = None, pass_fds: Sequence[int] = ()) -> Running:
        return DockerRunning(self, argv, workspace, env, limits, log, uid, pass_fds)

    def container_options(self, workspace: Path, env: Mapping[str, str], limits: Limits, uid: int | None,
                          fifo_dir: Path) -> dict[str, Any]:
        """Everything but the command: what isolates and bounds one run."""
        user = uid if uid is not None else FALLBACK_UID
        small = f"size={SMALL_TMPFS_MB}m,nr_inodes={SMALL_TMPFS_INODES},mode=1777,nosuid,nodev"
        mounts = {str(workspace): {"bind": INSIDE_WORKSPACE, "mode": "rw"},
                  str(fifo_dir): {"bind": INSIDE_FIFOS, "mode": "rw"}}
        for path in self.shared:
            mounts[str(path)] = {"bind": str(path), "mode": "rw"}
        ulimits = [("nofile", limits.open_files), ("nproc", limits.nproc), ("cpu", limits.cpu_s),
                   ("fsize", limits.file_size_mb * MB), ("msgqueue", limits.msgqueue_kb * 1024),
                   ("sigpending", limits.sigpending), ("core", 0)]
        import docker

        return dict(
            image=self.image.tag, user=f"{user}:{user}", environment=dict(env), working_dir=INSIDE_WORKSPACE,
            network_mode="none", read_only=True, cap_drop=["ALL"], security_opt=["no-new-privileges"],
            ipc_mode="private", pids_limit=limits.nproc, mem_limit=f"{limits.memory_mb}m",
            memswap_limit=f"{limits.memory_mb}m", nano_cpus=int(limits.cpus * 1e9),
            tmpfs={"/tmp": f"size={limits.tmp_mb}m,nr_inodes={limits.inodes},mode=1777,nosuid,nodev",
                   "/run": small, "/dev/shm": small},
            volumes=mounts, ulimits=[docker.types.Ulimit(name=n, soft=v, hard=v) for n, v in ulimits],
            log_config=docker.types.LogConfig(type="json-file", config={"max-size": "1m", "max-file": "1"}),
            labels=owner_labels(), detach=True, stdin_open=False, tty=False,
            init=True)  # docker-init as pid 1: reaps orphans, and the code is not an unkillable pid 1


class DockerRunning(Running):
    """A run in its own container: ``kill`` kills the container, ``wait`` removes it."""

    def __init__(self, box: DockerSandbox, argv: Sequence[str], workspace: Path, env: Mapping[str, str],
                 limits: Limits, log: Path, uid: int | None, pass_fds: Sequence[int]) -> None:
        self.limits, self.uid, self.started, self.log = limits, uid, time.perf_counter(), log
        self.limit: str | None = None
        self.watchers: list[threading.Thread] = []
        self.ended = threading.Event()
        self._out = open(log, "ab")  # noqa: SIM115 - closed in wait()
        self._log_start = self._out.tell()
        self._code: int | None = None
        self._killed = False
        self._relays: list[threading.Thread] = []
        self._holds: list[int] = []  # our own write ends: a FIFO reads EOF only once the container is gone too
        self._written = self._total = 0
        self.fifo_dir = _fifo_dir(workspace.parent, uid)
        plan: list[tuple[list[int], str]] = []
        targets = [((1, 2), None), *(((fd,), fd) for fd in pass_fds)]
        try:
            for i, (fds, target) in enumerate(targets):
                fifo = self.fifo_dir / f"fd{i}"
                os.mkfifo(fifo, 0o600)
                if uid is not None:
                    os.chown(fifo, uid, uid)
                else:
                    fifo.chmod(0o666)
                reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # opened before the writer: never blocks
                self._holds.append(os.open(fifo, os.O_WRONLY))
                os.set_blocking(reader, True)
                sink = os.dup(target) if target is not None else None
                thread = threading.Thread(target=self._relay, args=(reader, sink), daemon=True)
                thread.start()
                self._relays.append(thread)
                plan.append((list(fds), f"{INSIDE_FIFOS}/fd{i}"))
            setup = json.dumps({"as": limits.address_space_mb * MB, "fds": plan})
            command = [str(box.venv / "bin" / "python"), "-I", "-S", "-c", WRAPPER, setup, *argv]
            options = box.container_options(workspace, env, limits, uid, self.fifo_dir)
            self.container = box.client.containers.create(command=command, **options)
        except Exception as exc:  # the engine refused: end the relays, keep nothing open
            self._close()
            raise SetupError(f"starting a container failed: {_first_line(exc)}") from None
        try:
            self.container.start()
        except Exception as exc:  # created but not started: it goes too
            self._remove()
            self._close()
            raise SetupError(f"starting a container failed: {_first_line(exc)}") from None
        self.started = time.perf_counter()  # the wall clock is the code's: creating the container is ours

    def _remove(self) -> None:
        try:
            self.container.remove(force=True)
        except Exception:  # already gone; if the engine failed, the owner's exit or the next sweep removes it
            pass

    def _close(self) -> None:
        for fd in self._holds:
            os.close(fd)
        self._holds = []
        for thread in self._relays:
            thread.join(timeout=10)
        shutil.rmtree(self.fifo_dir, ignore_errors=True)
        self._out.close()

    def _relay(self, reader: int, sink: int | None) -> None:
        """Copy a FIFO into its fd until every writer is gone; the log stops growing at ``file_size_mb``."""
        cap = self.limits.file_size_mb * MB
        try:
            while chunk := os.read(reader, 65536):
                if sink is not None:
                    os.write(sink, chunk)
                    continue
                self._total += len(chunk)
                if self._written < cap:
                    self._out.write(chunk[:cap - self._written])
                    self._written += min(len(chunk), cap - self._written)
                elif not self.limit:  # what RLIMIT_FSIZE does to a log file under bwrap: the run ends
                    self.stop(f"the run's output reached the {self.limits.file_size_mb} MB file-size limit")
        finally:
            os.close(reader)
            if sink is not None:
                os.close(sink)

    def poll(self) -> int | None:
        if self._code is None:
            try:
                self.container.reload()
            except Exception:
                return self._code
            if self.container.status in ("exited", "dead"):
                self._code = int(self.container.attrs["State"]["ExitCode"])
        return self._code

    def _state(self) -> dict[str, Any]:
        try:
            self.container.reload()
            return dict(self.container.attrs.get("State", {}))
        except Exception:
            return {}

    def kill(self) -> None:
        self._killed = True
        try:
            self.container.kill()
        except Exception:  # already stopped
            pass

    def wait(self) -> RunResult:
        left = self.limits.wall_s - (time.perf_counter() - self.started)
        timed_out = False
        try:
            code: int | None = int(self.container.wait(timeout=max(0.1, left))["StatusCode"])
        except Exception:  # requests' read timeout: the wall clock
            code, timed_out = None, True
        killed = self._killed  # by a crash test or a watcher, before the run ended by itself
        try:
            self.kill()
            state = self._state()
            ran = _ran_s(state)
            if timed_out and ran is not None and ran <= self.limits.wall_s:
                # it ended in time and a busy engine told us late (a fork bomb next door starves dockerd)
                code, timed_out = int(state.get("ExitCode", 0)), False
            if code == 137 and killed:
                code = -9  # what Popen reports for a SIGKILL, as under bwrap
            if state.get("OOMKilled") and not self.limit:
                self.limit = (f"the trial's processes together reached the {self.limits.memory_mb} MB memory "
                              "limit (cgroup)")
            self.ended.set()
            for fd in self._holds:
                os.close(fd)
            self._holds = []
            for thread in (*self.watchers, *self._relays):
                thread.join(timeout=10)
            early = self.container.logs(stdout=True, stderr=True, tail=50)  # what the wrapper said, if it failed
            if early:
                self._out.write(b"[sandbox] " + early[-4096:])
            if timed_out:
                self._out.write(f"\n[sandbox] killed after {self.limits.wall_s:.0f}s wall-clock limit\n".encode())
        finally:
            self._remove()
            self._close()
            _cap_log(self.log, self._log_start, self.limits.log_mb * MB)
        written = self._total  # every byte the run wrote (the log kept at most file_size_mb of it)
        return RunResult(code, timed_out, time.perf_counter() - self.started, written, self.limit)



def setup(base: str) -> int:
    """``python run_eval.py setup --docker``: build (or find) the runtime image now and say which."""
    from graders.runtime import REQUIREMENTS, default_cache_dir, ensure_runtime

    try:
        client = engine()
        runtime = ensure_runtime(Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir()))
        print(f"Preparing the runtime image from {base} (built once: about two minutes)...", flush=True)
        image = ensure_image(client, base, runtime.root, REQUIREMENTS)
    except SetupError as exc:
        print(exc)
        return 2
    done = "built" if image.built else "already built"
    print(f"Docker runtime image {image.tag} {done} from {image.base} ({image.seconds:.0f} s); "
          "grade with --sandbox docker" + ("" if base == DEFAULT_BASE else f" --docker-image {base}"))
    return 0


SETUP_COMMAND = ("import os, sys; from graders.docker_sandbox import DEFAULT_BASE, setup; "
                 "sys.exit(setup(sys.argv[1] if len(sys.argv) > 1 else os.environ.get('DBOS_EVAL_DOCKER_IMAGE') or "
                 "DEFAULT_BASE))")  # ``python -c SETUP_COMMAND [BASE]``: what ``setup --docker`` runs
