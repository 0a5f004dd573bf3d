"""Running untrusted generated code: bubblewrap, an unprivileged uid, limits, a clean env, a wall clock.

Inside: read-only /usr and /etc, the runtime venv read-only, the Postgres socket dir, a private /tmp, and
the one writable workspace at ``/workspace``. No network namespace peers (TCP and DNS fail), no capabilities,
and only the environment variables the grader passes. As root we drop to a uid of our own per slot first
(bwrap's ``--uid`` under root is still root outside), so RLIMIT_NPROC counts only that trial's processes and
every leftover process can be killed by uid.

Every place the code can write has a size and an inode count, so no trial can fill the host's disk or kernel
memory: as root the workspace is a tmpfs of ``Limits.workspace_mb`` and /tmp, /run and /dev/shm are tmpfs
mounts of their own, each with ``nr_inodes`` (bwrap's own ``--tmpfs`` takes no inode limit, so they are
mounted here and bound in); the rest of / is read-only, and the output log is cut to ``Limits.log_mb`` after the
run (RLIMIT_FSIZE stops it at ``file_size_mb`` while it runs). Kernel objects without bytes: no user namespace
can be made inside (``--disable-userns``, hence no mount, pid or network namespace either), SysV IPC lives in
the sandbox's own IPC namespace (gone with it), POSIX message queues and pending signals have small rlimits,
and inotify instances and watches are bounded by the kernel per uid (each slot has its own uid). Not bounded
without cgroups: the memory of many processes together (RLIMIT_AS is per process) and the CPU share of a trial
whose processes each start their own session.

Each scratch mount is recorded by a lock file held (``flock``) while the mount lives: a sweep removes only a
mount whose lock it can take, i.e. whose harness is dead, whatever pids it can or cannot see.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
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
MOUNT_LOCKS = Path("/run/dbos-skill-eval/mounts")
SCRATCH_PREFIX = "dbos-eval-ws-"
SYSTEM_DIRS = (("tmp", "/tmp"), ("shm", "/dev/shm"), ("run", "/run"))  # tmpfs mounts bound into the sandbox
SMALL_TMPFS_MB, SMALL_TMPFS_INODES = 16, 1024  # /run and /dev/shm
MB = 1024 * 1024
INSTALL_HINT = "apt-get install -y bubblewrap (or pass --sandbox none to run generated code unsandboxed)"


@dataclass(frozen=True)
class Limits:
    wall_s: float = 300.0
    cpu_s: int = 600
    address_space_mb: int = 1024
    nproc: int = 256
    file_size_mb: int = 256
    open_files: int = 1024
    workspace_mb: int = 512  # the whole workspace: a tmpfs of this size when run as root (else per file only)
    tmp_mb: int = 256  # the private /tmp (and 16 MB each for /run and /dev/shm); the rest of / is read-only
    inodes: int = 32768  # files the workspace and /tmp may each hold (about 1 KB of kernel memory each)
    log_mb: int = 4  # of a run's output, the first and last halves of this are kept
    msgqueue_kb: int = 64  # POSIX message queues (RLIMIT_MSGQUEUE)
    sigpending: int = 256  # queued signals (RLIMIT_SIGPENDING)
    memory_mb: int = 2048  # the whole trial's memory, no swap (docker only: a cgroup; bwrap has RLIMIT_AS)
    cpus: float = 1.0  # the whole trial's CPU quota in cores (docker only)


@dataclass(frozen=True)
class RunResult:
    exit_code: int | None  # None when killed by the wall clock
    timed_out: bool
    duration_s: float
    output_bytes: int = 0  # what the run wrote to its log, before the log was capped
    limit: str | None = None  # a limit watched from outside (e.g. the database's size) that ended the run

    def flooded(self, limits: Limits) -> bool:
        """The run's output reached the file-size limit (the code printed until it could not)."""
        return self.output_bytes >= limits.file_size_mb * MB


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

    @contextmanager
    def scratch(self, limits: Limits) -> Iterator[Path]:
        """A fresh directory to hold one check's workspace copy; removed afterwards."""
        path = Path(tempfile.mkdtemp(prefix=SCRATCH_PREFIX))
        try:
            path.chmod(0o755)
            yield path
        finally:
            shutil.rmtree(path, ignore_errors=True)

    def prepare_workspace(self, workspace: Path, uid: int | None) -> None:
        """Make the workspace writable by the sandbox user."""

    def command(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
                uid: int | None) -> tuple[list[str], dict[str, str], int | None]:
        """The full command line, its environment, and the uid to kill leftovers of (None: none)."""
        raise NotImplementedError

    def start(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
              log: Path, uid: int | None = None, pass_fds: Sequence[int] = ()) -> Running:
        """Start without waiting (a crash test kills it from outside); ``pass_fds`` stay open inside."""
        cmd, cmd_env, kill_uid = self.command(argv, workspace, env, limits, uid)
        return Running(cmd, workspace, cmd_env, limits, log, kill_uid, pass_fds)

    def run(self, argv: Sequence[str], workspace: Path, env: Mapping[str, str], limits: Limits,
            log: Path, uid: int | None = None, pass_fds: Sequence[int] = ()) -> RunResult:
        return self.start(argv, workspace, env, limits, log, uid, pass_fds).wait()


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
        self.bwrap: str = shutil.which("bwrap") or ""
        if not self.bwrap:
            raise SetupError(f"bubblewrap (bwrap) is not installed: {INSTALL_HINT}")
        self.as_root = os.geteuid() == 0
        self.bounded_workspace = self.as_root and _can_mount_tmpfs()  # else the workspace is bounded per file only
        self._system: set[Path] = set()  # scratch dirs that hold their own /tmp, /run and /dev/shm mounts
        if self.bounded_workspace:
            sweep_scratch()

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

    @contextmanager
    def scratch(self, limits: Limits) -> Iterator[Path]:
        """As root, the scratch directory is a tmpfs of ``limits.workspace_mb`` and ``limits.inodes``: code that
        fills its workspace gets ENOSPC there instead of filling the host's disk or kernel memory; it also
        holds the sandbox's /tmp, /run and /dev/shm, each a bounded tmpfs. The mount is recorded by a lock
        file held while it lives, so one left by a killed harness is swept at the next start."""
        if not self.bounded_workspace:
            with super().scratch(limits) as path:
                yield path
            return
        path = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-"))
        lock = _hold_mount_lock(path)
        try:
            _mount_tmpfs(path, limits.workspace_mb, limits.inodes)
            for name, size_mb, inodes in _system_sizes(limits):
                (path / ".sys" / name).mkdir(parents=True)
                _mount_tmpfs(path / ".sys" / name, size_mb, inodes, mode="1777")
            self._system.add(path)
            yield path
        finally:
            self._system.discard(path)
            _unmount_tree(path)
            shutil.rmtree(path, ignore_errors=True)
            _release_mount_lock(path, lock)

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
        cmd += [self.bwrap, "--unshare-all", "--unshare-user", "--disable-userns", "--die-with-parent", "--new-session",
                "--cap-drop", "ALL", "--clearenv", "--ro-bind", "/usr", "/usr", "--ro-bind", "/etc", "/etc",
                "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev"]  # every writable tmpfs has a size
        scratch = Path(workspace).parent
        for name, target in SYSTEM_DIRS:
            if scratch in self._system:  # our own tmpfs mounts, with inode limits
                cmd += ["--bind", str(scratch / ".sys" / name), target]
            else:  # bwrap's tmpfs: a size, but no inode limit
                size_mb = limits.tmp_mb if name == "tmp" else SMALL_TMPFS_MB
                cmd += ["--size", str(size_mb * MB), "--tmpfs", target]
        for link in ("bin", "lib", "lib64", "sbin"):
            if os.path.islink(f"/{link}"):
                cmd += ["--symlink", os.readlink(f"/{link}"), f"/{link}"]
        for path in self.read_only:
            cmd += ["--ro-bind", str(path), str(path)]
        for path in self.shared:
            cmd += ["--bind", str(path), str(path)]
        cmd += ["--bind", str(workspace), INSIDE_WORKSPACE, "--chdir", INSIDE_WORKSPACE, "--remount-ro", "/"]
        for key, value in env.items():  # moved to an --args fd by Running: secrets stay out of `ps`
            cmd += ["--setenv", key, value]
        return cmd + ["--", *argv], {}, uid if self.as_root else None


SANDBOXES = ("bwrap", "docker", "none")


def make_sandbox(kind: str, read_only: Sequence[Path], shared: Sequence[Path], docker_image: str | None = None,
                 requirements: Sequence[str] = ()) -> Sandbox:
    """``read_only[0]`` is the runtime venv: bound in by bwrap, built into the image by docker."""
    if kind == "bwrap":
        return BwrapSandbox(read_only, shared)
    if kind == "docker":
        from graders.docker_sandbox import DEFAULT_BASE, DockerSandbox

        return DockerSandbox(read_only[0], shared, docker_image or DEFAULT_BASE, requirements)
    if kind == "none":
        return NoSandbox(read_only, shared)
    raise SetupError(f"--sandbox {kind}: unknown sandbox; use {', '.join(SANDBOXES)}")


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
    return ["prlimit", f"--as={limits.address_space_mb * MB}", f"--cpu={limits.cpu_s}",
            f"--nproc={limits.nproc}", f"--fsize={limits.file_size_mb * MB}", f"--nofile={limits.open_files}",
            f"--msgqueue={limits.msgqueue_kb * 1024}", f"--sigpending={limits.sigpending}", "--core=0", "--"]


def _system_sizes(limits: Limits) -> list[tuple[str, int, int]]:
    return [(name, limits.tmp_mb if name == "tmp" else SMALL_TMPFS_MB,
             limits.inodes if name == "tmp" else SMALL_TMPFS_INODES) for name, _ in SYSTEM_DIRS]


_MS_NOSUID, _MS_NODEV, _MNT_DETACH = 2, 4, 2


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


def _mount_tmpfs(path: Path, size_mb: int, inodes: int = 65536, mode: str = "0755") -> None:
    options = f"size={size_mb}m,nr_inodes={inodes},mode={mode}".encode()
    if _libc().mount(b"tmpfs", str(path).encode(), b"tmpfs", _MS_NOSUID | _MS_NODEV, options) != 0:
        err = ctypes.get_errno()
        raise SetupError(f"mounting a {size_mb} MB tmpfs at {path} failed: {os.strerror(err)}")


def _unmount(path: Path) -> None:
    _libc().umount2(str(path).encode(), _MNT_DETACH)


def _mount_targets() -> list[str]:
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return []
    return [line.split()[4].replace("\\040", " ") for line in lines]


def _unmount_tree(path: Path) -> None:
    """Unmount ``path`` and every mount below it, deepest first."""
    inside = [t for t in _mount_targets() if t == str(path) or t.startswith(f"{path}/")]
    for target in sorted(set(inside), key=len, reverse=True):
        _unmount(Path(target))


_OURS: dict[Path, IO[str]] = {}  # this process's live scratch mounts and the locks that record them


def _hold_mount_lock(path: Path) -> IO[str]:
    MOUNT_LOCKS.mkdir(mode=0o700, parents=True, exist_ok=True)
    lock = open(MOUNT_LOCKS / f"{path.name}.lock", "w")  # noqa: SIM115 - held while the mount lives
    fcntl.flock(lock, fcntl.LOCK_EX)
    _OURS[path] = lock
    return lock


def _release_mount_lock(path: Path, lock: IO[str]) -> None:
    _OURS.pop(path, None)
    (MOUNT_LOCKS / f"{path.name}.lock").unlink(missing_ok=True)
    lock.close()


def _can_mount_tmpfs() -> bool:
    probe = Path(tempfile.mkdtemp(prefix="dbos-eval-mount-probe-"))
    try:
        _mount_tmpfs(probe, 1, 16)
        _unmount(probe)
        return True
    except SetupError:
        return False
    finally:
        probe.rmdir()


def sweep_scratch(ours: bool = False) -> None:
    """Unmount and remove the scratch tmpfs mounts of harness processes that died without cleaning up, and with
    ``ours`` this process's own (on Ctrl-C, before exiting at once; a sandbox still using one keeps it until it
    dies, which it does with us).

    A mount is stale only when its lock file exists and its lock can be taken: the process that holds it is
    gone. Pids prove nothing (in another pid namespace a live harness's pid is invisible), and a mount
    without a lock file is not provably ours: both are left alone."""
    if ours:
        for path in list(_OURS):
            _unmount_tree(path)
            shutil.rmtree(path, ignore_errors=True)
    for target in _mount_targets():
        path = Path(target)
        if not path.name.startswith(SCRATCH_PREFIX) or path in _OURS:
            continue
        lock_file = MOUNT_LOCKS / f"{path.name}.lock"
        try:
            lock = open(lock_file, "r+")  # noqa: SIM115 - closed below
        except OSError:
            continue
        with lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its harness is alive
            _unmount_tree(path)
            shutil.rmtree(path, ignore_errors=True)
            lock_file.unlink(missing_ok=True)


class Running:
    """A started sandboxed process: ``wait`` enforces the wall clock from its start; ``kill`` is SIGKILL."""

    def __init__(self, cmd: list[str], cwd: Path, env: Mapping[str, str], limits: Limits, log: Path,
                 uid: int | None, pass_fds: Sequence[int] = ()) -> None:
        self.limits, self.uid, self.started, self.log = limits, uid, time.perf_counter(), log
        self.limit: str | None = None
        self.watchers: list[threading.Thread] = []  # joined by wait(): see stop()
        self.ended = threading.Event()  # set by wait() once the run is over, so watchers finish at once
        self._out = open(log, "ab")  # noqa: SIM115 - closed in wait()
        self._log_start = self._out.tell()
        cmd, fds = _args_via_fd(cmd)
        try:
            self.proc = subprocess.Popen(cmd, cwd=cwd, env=dict(env), stdin=subprocess.DEVNULL, stdout=self._out,
                                         stderr=subprocess.STDOUT, start_new_session=True,
                                         pass_fds=(*fds, *pass_fds))
        finally:
            for fd in fds:
                os.close(fd)

    def poll(self) -> int | None:
        return self.proc.poll()

    def stop(self, limit: str) -> None:
        """End the run because ``limit`` was exceeded (called by a watcher thread); ``wait`` reports it."""
        self.limit = limit
        self.kill()

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
            self.ended.set()
            for watcher in self.watchers:
                watcher.join()
            self._out.close()
            written = _cap_log(self.log, self._log_start, self.limits.log_mb * MB)
        return RunResult(code, timed_out, time.perf_counter() - self.started, written, self.limit)


def _cap_log(log: Path, start: int, cap: int) -> int:
    """Keep the first and last ``cap / 2`` bytes of what a run wrote to ``log`` (code that prints gigabytes is
    stopped by the file-size limit; this keeps the results small). Returns how much the run wrote."""
    size = log.stat().st_size
    if size - start <= cap:
        return size - start
    half = cap // 2
    with open(log, "r+b") as f:
        f.seek(size - half)
        tail = f.read(half)
        f.seek(start + half)
        f.write(f"\n[sandbox] {size - start - 2 * half} bytes of output cut here\n".encode())
        f.write(tail)
        f.truncate()
    return size - start


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
