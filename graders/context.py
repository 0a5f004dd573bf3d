"""What one grading needs: the long-lived environment (server, runtime, sandbox) and one trial's context."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from graders.databases import DatabaseFactory, DatabaseGuard, TrialDatabase
from graders.postgres import PostgresServer
from graders.runtime import Runtime
from graders.sandbox import Limits, Running, RunResult, Sandbox
from graders.spec import GradingSpec


@dataclass
class GradingEnvironment:
    """Built once per run (or per worker) and shared by every trial it grades."""

    server: PostgresServer
    runtime: Runtime
    sandbox: Sandbox
    databases: DatabaseFactory
    keep_databases: bool = False
    limits: Limits = Limits()


@dataclass
class GradingContext:
    """One trial being graded: its scratch workspace, its database, its sandbox uid, where its logs go."""

    env: GradingEnvironment
    spec: GradingSpec
    workspace: Path
    database: TrialDatabase
    log_dir: Path
    uid: int | None
    runs: list[Running] = field(default_factory=list)

    @property
    def exceeded(self) -> list[str]:
        """The limits watched from outside (the database's size) that stopped one of this check's runs."""
        return [r.limit for r in self.runs if r.limit]

    @property
    def runtime(self) -> Runtime:
        return self.env.runtime

    def inside(self, relative: str = "") -> str:
        """A workspace path as the graded code sees it."""
        base = self.env.sandbox.workspace_path or str(self.workspace)
        return f"{base}/{relative}".rstrip("/")

    def environ(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        """The whole environment graded code gets: nothing of the harness's own."""
        env = {
            "PATH": f"{self.runtime.root}/bin:/usr/bin:/bin",
            "HOME": "/tmp",
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            # glibc reserves 64 MiB of address space per thread arena: a DBOS app's dozens of threads would
            # hit the sandbox's address-space limit at random (fails to start a thread, or hangs).
            "MALLOC_ARENA_MAX": "2",
            "VIRTUAL_ENV": str(self.runtime.root),
            "DBOS_SYSTEM_DATABASE_URL": self.database.url,
            "EVAL_WORKSPACE": self.inside(),
        }
        env.update(self.spec.env)
        env.update(extra or {})
        return env

    def run(self, argv: Sequence[str], log: Path, wall_s: float,
            extra_env: Mapping[str, str] | None = None, pass_fds: Sequence[int] = ()) -> RunResult:
        return self.start(argv, log, wall_s, extra_env, pass_fds).wait()

    def start(self, argv: Sequence[str], log: Path, wall_s: float,
              extra_env: Mapping[str, str] | None = None, pass_fds: Sequence[int] = ()) -> Running:
        """Start graded code in the sandbox; while it runs, its databases are held to the task's limit."""
        limits = replace(self.env.limits, wall_s=wall_s)
        running = self.env.sandbox.start(argv, self.workspace, self.environ(extra_env), limits, log, self.uid,
                                         pass_fds)
        self.runs.append(running)
        if self.spec.db_limit_mb or self.database.recreate:
            DatabaseGuard(self.env.databases, self.database, self.spec.db_limit_mb).watch(running)
        return running
