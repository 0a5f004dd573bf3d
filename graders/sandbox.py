"""Running untrusted generated code: bubblewrap, an unprivileged uid, limits, a clean env, a wall clock.

Inside: read-only /usr and /etc, the runtime venv read-only, the Postgres socket dir, a private /tmp, and
the one writable workspace at ``/workspace``. No network namespace peers (TCP and DNS fail), no capabilities,
and only the environment variables the grader passes. As root we drop to a uid of our own per slot first
(bwrap's ``--uid`` under root is still root outside), so RLIMIT_NPROC counts only that trial's processes and
every leftover process can be killed by uid.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from graders.errors import SetupError

INSIDE_WORKSPACE = "/workspace"
FIRST_SANDBOX_UID = 61000
SANDBOX_UIDS = 1000
UID_LOCKS = Path("/run/dbos-skill-eval/uids")
INSTALL_HINT = "apt-get install -y bubblewrap (or pass --sandbox none to run generated code unsandboxed)"


@dataclass(frozen=True)
class Limits:
    wall_s: float = 300.0
    cpu_s: int = 600
    address_space_mb: int = 1024
    nproc: int = 256
    file_size_mb: int = 256
    open_files: int = 1024


@dataclass(frozen=True)
class RunResult:
    exit_code: int | None  # None when killed by the wall clock
    timed_out: bool
    duration_s: float


class Sandbox:
    """Base: run ``argv`` in ``workspace`` with exactly ``env``; stdout and stderr go to ``log``."""

    name = "base"
    workspace_path = INSIDE_WORKSPACE

    def __init__(self, read_only: Sequence[Path] = (), shared: Sequence[Path] = ()) -> None:
        self.read_only = [Path(p) for p in read_only]  # e.g. the runtime venv
        self.shared = [Path(p) for p in shared]  # e.g. the Postgres socket dir

    @contextmanager
    def slot(self) -> Iterator[int | None]:
        yield None

    def prepare_workspace(self, workspace: Path, uid: int | None) -> None:
        """Make the workspace writable by the sandbox user."""

    def command(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
                uid: int | None) -> tuple[list[str], dict[str, str], int | None]:
        """The full command line, its environment, and the uid to kill leftovers of (None: none)."""
        raise NotImplementedError

    def start(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
              log: Path, uid: int | None = None) -> Running:
        """Start without waiting (a crash test kills it from outside)."""
        cmd, cmd_env, kill_uid = self.command(argv, workspace, env, limits, uid)
        return Running(cmd, workspace, cmd_env, limits, log, kill_uid)

    def run(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
            log: Path, uid: int | None = None) -> RunResult:
        return self.start(argv, workspace, env, limits, log, uid).wait()


class NoSandbox(Sandbox):
    """Runs in a subprocess with a clean environment and limits, but no isolation: only when asked."""

    name = "none"

    def __init__(self, read_only: Sequence[Path] = (), shared: Sequence[Path] = ()) -> None:
        super().__init__(read_only, shared)
        self.workspace_path = ""

    def command(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
                uid: int | None) -> tuple[list[str], dict[str, str], int | None]:
        env = {k: v.replace(INSIDE_WORKSPACE, str(workspace)) for k, v in env.items()}
        return _prlimit(limits) + list(argv), env, None


class BwrapSandbox(Sandbox):
    name = "bwrap"

    def __init__(self, read_only: Sequence[Path] = (), shared: Sequence[Path] = ()) -> None:
        super().__init__(read_only, shared)
        self.bwrap = shutil.which("bwrap")
        if not self.bwrap:
            raise SetupError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
        self.as_root = os.geteuid() == 0

    @contextmanager
    def slot(self) -> Iterator[int | None]:
        """A uid of its own for one trial at a time; every process left under it is killed on release.

        Uids are claimed with a file lock, so harness processes on one machine (workers, parallel runs)
        never share one: killing a trial's leftovers by uid must not touch another trial.
        """
        if not self.as_root:
            yield None
            return
        uid, lock = _claim_uid()
        try:
            _kill_uid(uid)  # a claimed uid starts empty
            yield uid
        finally:
            _kill_uid(uid)
            lock.close()

    def prepare_workspace(self, workspace: Path, uid: int | None) -> None:
        if self.as_root and uid is not None:
            for dirpath, dirs, files in os.walk(workspace):
                os.chown(dirpath, uid, uid)
                for name in files + dirs:
                    os.lchown(os.path.join(dirpath, name), uid, uid)

    def command(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
                uid: int | None) -> tuple[list[str], dict[str, str], int | None]:
        cmd = _prlimit(limits)
        if self.as_root:
            if uid is None:
                raise ValueError("a sandbox run as root needs a slot uid")
            cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all",
                    "--no-new-privs"]
        cmd += [self.bwrap, "--unshare-all", "--die-with-parent", "--new-session", "--cap-drop", "ALL",
                "--clearenv", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run"]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        for path in self.read_only:
            cmd += ["--ro-bind", str(path), str(path)]
        for path in self.shared:
            cmd += ["--bind", str(path), str(path)]
        cmd += ["--bind", str(workspace), INSIDE_WORKSPACE, "--chdir", INSIDE_WORKSPACE]
        for key, value in env.items():  # moved to an --args fd by Running: secrets stay out of `ps`
            cmd += ["--setenv", key, value]
        return cmd + ["--", *argv], {}, uid if self.as_root else None


def make_sandbox(kind: str, read_only: Sequence[Path], shared: Sequence[Path]) -> Sandbox:
    if kind == "bwrap":
        return BwrapSandbox(read_only, shared)
    if kind == "none":
        return NoSandbox(read_only, shared)
    raise SetupError(f"--sandbox {kind}: unknown sandbox; use bwrap or none")


def _claim_uid() -> tuple[int, IO[str]]:
    UID_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    for uid in range(FIRST_SANDBOX_UID, FIRST_SANDBOX_UID + SANDBOX_UIDS):
        lock = open(UID_LOCKS / f"{uid}.lock", "w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return uid, lock
        except BlockingIOError:
            lock.close()
    raise SetupError(f"all {SANDBOX_UIDS} sandbox uids are in use (locks in {UID_LOCKS})")


def _args_via_fd(cmd: list[str]) -> tuple[list[str], tuple[int, ...]]:
    """Hand bwrap its options through ``--args FD`` (NUL-separated), so environment values such as the trial
    database password never appear in the host's process list."""
    if "--clearenv" not in cmd:
        return cmd, ()
    start = cmd.index("--clearenv")
    end = cmd.index("--", start)
    payload = "\0".join(cmd[start:end]).encode() + b"\0"
    read_fd, write_fd = os.pipe()
    if len(payload) > 60000:  # beyond a pipe's buffer: fall back to a deleted temp file
        os.close(read_fd)
        os.close(write_fd)
        with tempfile.TemporaryFile() as tmp:
            tmp.write(payload)
            tmp.seek(0)
            read_fd = os.dup(tmp.fileno())
    else:
        os.write(write_fd, payload)
        os.close(write_fd)
    return cmd[:start] + ["--args", str(read_fd)] + cmd[end:], (read_fd,)


def _prlimit(limits: Limits) -> list[str]:
    mb = 1024 * 1024
    return ["prlimit", f"--as={limits.address_space_mb * mb}", f"--cpu={limits.cpu_s}",
            f"--nproc={limits.nproc}", f"--fsize={limits.file_size_mb * mb}", f"--nofile={limits.open_files}",
            "--core=0", "--"]


class Running:
    """A started sandboxed process: ``wait`` enforces the wall clock from its start; ``kill`` is SIGKILL."""

    def __init__(self, cmd: list[str], cwd: Path, env: Mapping[str, str], limits: Limits, log: Path,
                 uid: int | None) -> None:
        self.limits, self.uid, self.started = limits, uid, time.perf_counter()
        self._out = open(log, "ab")  # noqa: SIM115 - closed in wait()
        cmd, fds = _args_via_fd(cmd)
        try:
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=self._out,
                                         stderr=subprocess.STDOUT, start_new_session=True, pass_fds=fds)
        finally:
            for fd in fds:
                os.close(fd)

    def poll(self) -> int | None:
        return self.proc.poll()

    def kill(self) -> None:
        _kill_group(self.proc)
        if self.uid is not None:
            _kill_uid(self.uid)

    def wait(self) -> RunResult:
        left = self.limits.wall_s - (time.perf_counter() - self.started)
        try:
            code: int | None = self.proc.wait(timeout=max(0.0, left))
            timed_out = False
        except subprocess.TimeoutExpired:
            code, timed_out = None, True
            self._out.write(f"\n[sandbox] killed after {self.limits.wall_s:.0f}s wall-clock limit\n".encode())
        finally:
            self.kill()
            self._out.close()
        return RunResult(code, timed_out, time.perf_counter() - self.started)


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _kill_uid(uid: int) -> None:
    """Kill every live process of a sandbox uid (what escaped the process group, e.g. a double fork).

    Zombies are skipped: they are already dead, and on a host whose init reaps slowly they linger.
    """
    for _ in range(20):
        live = _live_pids(uid)
        if not live:
            return
        for pid in live:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.02)


def _live_pids(uid: int) -> list[int]:
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            status = Path(entry.path, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)] and not fields.get("State", "").strip().startswith("Z"):
            pids.append(int(entry.name))
    return pids
