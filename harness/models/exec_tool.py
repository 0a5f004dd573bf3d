"""``run_command``: a shell command the agent runs in its workspace, inside the grading sandbox.

A ``CommandSession`` is one trial's place to run commands, built from the same parts grading uses
(``graders.sandbox`` through a ``GradingContext``): a uid slot of its own, a bounded scratch tmpfs whose
``workspace`` holds the model's files (nothing else of the task: its tests, reference and mutants stay on the
host, outside the sandbox), a throwaway database and role cloned from the template (in
``DBOS_SYSTEM_DATABASE_URL``, dropped when the trial's generation ends), the runtime venv on PATH, no network,
the clean environment graded code gets (no API key), and a wall clock per call. The session opens lazily, on the
first command that is not replayed from the response cache, so a replayed trial needs no sandbox.

Before each command the in-memory workspace is written to disk; after it, the regular text files of the disk
tree are read back (symlinks, binaries, caches and oversized files are not kept, and the model is told), so a
file a command writes is part of the graded result like one write_file wrote.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import psycopg

from graders.context import GradingContext, GradingEnvironment
from graders.databases import TrialDatabase
from graders.spec import GradingSpec

COMMAND_TIMEOUT_S = 60.0  # one call's wall clock
COMMANDS_TOTAL_S = 600.0  # all of one trial's calls together
OUTPUT_CHARS = 12_000  # what the model sees of a command's output: the first and last halves of this
MAX_COMMAND_CHARS = 10_000
MAX_READ_BACK_BYTES = 200_000  # a file the command wrote that is larger is not kept (write_file's limit too)
MAX_FILES = 200
SKIPPED_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".git", ".venv",
                          "node_modules"})
SHELL = "/bin/bash"
NAMES_SHOWN = 20  # of the files not kept, the names the model is told


class WorkspaceError(Exception):
    """The model's files cannot be written where a command left something in the way (a file where a folder
    should be, a full workspace): the model's to fix, told as the tool's error."""


@dataclass(frozen=True)
class ExecLimits:
    call_s: float = COMMAND_TIMEOUT_S
    total_s: float = COMMANDS_TOTAL_S
    output_chars: int = OUTPUT_CHARS


@dataclass(frozen=True)
class CommandResult:
    """One command as it ran: what it printed (capped) and what it did to the workspace's files."""

    command: str
    exit_code: int | None  # None: killed by the wall clock
    timed_out: bool
    duration_s: float
    output: str  # stdout and stderr together, capped (head and tail with a marker between)
    output_bytes: int  # what it printed, before capping
    changed: Mapping[str, str] = field(default_factory=dict)  # files it created or changed -> their text
    deleted: tuple[str, ...] = ()
    not_kept: tuple[str, ...] = ()  # files it left that are not part of the result (binary, too large, ...)
    limit: str | None = None  # a limit watched from outside (the database's size) that stopped it

    def to_json(self) -> dict[str, Any]:
        return {"command": self.command, "exit_code": self.exit_code, "timed_out": self.timed_out,
                "duration_s": self.duration_s, "output": self.output, "output_bytes": self.output_bytes,
                "changed": dict(self.changed), "deleted": list(self.deleted), "not_kept": list(self.not_kept),
                "limit": self.limit}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CommandResult:
        return cls(str(data["command"]), data.get("exit_code"), bool(data.get("timed_out")),
                   float(data.get("duration_s") or 0.0), str(data.get("output") or ""),
                   int(data.get("output_bytes") or 0), dict(data.get("changed") or {}),
                   tuple(data.get("deleted") or ()), tuple(data.get("not_kept") or ()), data.get("limit"))

    def message(self) -> str:
        """What the model reads as the tool's result."""
        if self.timed_out:
            head = f"killed after {self.duration_s:.1f} s (the per-command time limit)"
        elif self.limit:
            head = f"stopped: {self.limit}"
        else:
            head = f"exit code {self.exit_code} ({self.duration_s:.1f} s)"
        parts = [head, self.output if self.output else "(no output)"]
        if self.changed or self.deleted:
            parts.append("files changed: " + ", ".join([*sorted(self.changed), *(f"{p} (deleted)" for p in
                                                                                  self.deleted)]))
        if self.not_kept:
            more = len(self.not_kept) - NAMES_SHOWN
            parts.append("not kept in the result (binary, too large, a link, or past the file count): "
                         + ", ".join(self.not_kept[:NAMES_SHOWN]) + (f" and {more} more" if more > 0 else ""))
        return "\n".join(parts)


def cap_output(data: bytes, limit: int) -> str:
    """The first and last ``limit / 2`` characters' worth of ``data`` with a ``[… N bytes cut …]`` marker."""
    if len(data) <= limit:
        return data.decode("utf-8", "replace")
    half = limit // 2
    cut = len(data) - 2 * half
    return (data[:half].decode("utf-8", "replace") + f"\n[… {cut} bytes cut …]\n"
            + data[-half:].decode("utf-8", "replace"))


@dataclass(frozen=True)
class CommandSandbox:
    """What a generation needs to run commands for one trial: the grading environment, the task's spec (its
    env and database limits) and a label for the database's name. Opened per trial (``session``)."""

    env: GradingEnvironment
    spec: GradingSpec
    label: str
    limits: ExecLimits = ExecLimits()

    @contextmanager
    def session(self) -> Iterator[CommandSession]:
        with CommandSession(self) as session:
            yield session


class CommandSession:
    """One trial's sandbox for commands; nothing is set up until the first ``run``."""

    def __init__(self, sandbox: CommandSandbox) -> None:
        self.box = sandbox
        self._stack = ExitStack()
        self._ctx: GradingContext | None = None
        self._on_disk: dict[str, str] = {}  # what the workspace folder held after the last sync
        self.runs = 0

    def __enter__(self) -> CommandSession:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def database(self) -> TrialDatabase | None:
        """The trial's database once the first command has run."""
        return self._ctx.database if self._ctx else None

    def close(self) -> None:
        self._stack.close()
        self._ctx = None

    def _open(self) -> GradingContext:
        env, spec = self.box.env, self.box.spec
        uid = self._stack.enter_context(env.sandbox.slot())
        scratch = self._stack.enter_context(env.sandbox.scratch(env.limits))
        workspace = scratch / "workspace"
        workspace.mkdir()
        logs = Path(tempfile.mkdtemp(prefix="dbos-eval-cmd-"))
        self._stack.callback(shutil.rmtree, logs, True)
        database = env.databases.create(self.box.label, recreate=spec.recreate_database)
        self._stack.callback(_drop_quietly, env, database)
        self._ctx = GradingContext(env, spec, workspace, database, logs, uid)
        return self._ctx

    def run(self, command: str, files: Mapping[str, str], wall_s: float) -> CommandResult:
        """Run ``command`` with ``files`` as the workspace, for at most ``wall_s`` seconds."""
        ctx = self._ctx or self._open()
        try:
            self._write(ctx.workspace, files)
        except OSError as exc:
            raise WorkspaceError(f"the workspace's files could not be written before the command: {exc}") from None
        ctx.env.sandbox.prepare_workspace(ctx.workspace, ctx.uid)
        self.runs += 1
        log = ctx.log_dir / f"command-{self.runs}.log"
        result = ctx.run([SHELL, "-c", command], log, wall_s)
        data = log.read_bytes()
        log.unlink()
        kept, not_kept = _read_back(ctx.workspace)
        self._on_disk = dict(kept)
        changed = {p: t for p, t in kept.items() if files.get(p) != t}
        deleted = tuple(sorted(p for p in files if p not in kept))
        return CommandResult(command, result.exit_code, result.timed_out, round(result.duration_s, 3),
                             cap_output(data, self.box.limits.output_chars), result.output_bytes, changed, deleted,
                             not_kept, result.limit)

    def _write(self, workspace: Path, files: Mapping[str, str]) -> None:
        for rel in set(self._on_disk) - set(files):
            (workspace / rel).unlink(missing_ok=True)
        for rel, text in files.items():
            if self._on_disk.get(rel) == text:
                continue
            target = workspace / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink() or target.exists() and not target.is_file():
                _remove(target)
            target.write_text(text)
        self._on_disk = dict(files)


def _read_back(workspace: Path) -> tuple[dict[str, str], tuple[str, ...]]:
    """The regular UTF-8 text files under ``workspace`` (never following a link: a link the command made to a
    host path must not be read by us), and the names of what is not kept."""
    kept: dict[str, str] = {}
    skipped: list[str] = []
    for dirpath, dirs, names in os.walk(workspace, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(names):
            path = Path(dirpath, name)
            rel = path.relative_to(workspace).as_posix()
            info = os.lstat(path)
            if name.endswith((".pyc", ".pyo")):
                continue
            if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_READ_BACK_BYTES or len(kept) >= MAX_FILES:
                skipped.append(rel)
                continue
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with os.fdopen(fd, "rb") as f:
                data = f.read(MAX_READ_BACK_BYTES + 1)
            try:
                kept[rel] = data.decode("utf-8")
            except UnicodeDecodeError:
                skipped.append(rel)
    return kept, tuple(skipped)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def _drop_quietly(env: GradingEnvironment, database: TrialDatabase) -> None:
    try:
        env.databases.drop(database)
    except psycopg.Error:  # teardown after the generation: it does not change what the model did
        pass


def with_limits(sandbox: CommandSandbox, **changes: Any) -> CommandSandbox:
    """The same sandbox with other limits (tests and benchmarks shorten the clocks)."""
    return replace(sandbox, limits=replace(sandbox.limits, **changes))
