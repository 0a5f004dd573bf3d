"""What one grading needs: the long-lived environment (server, runtime, sandbox) and one trial's context."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from graders.databases import DatabaseFactory, DatabaseGuard, TrialDatabase
from graders.docker_sandbox import engine
from graders.postgres import PostgresServer, connect_server, start_cluster
from graders.runtime import REQUIREMENTS, Runtime, ensure_runtime
from graders.sandbox import BwrapSandbox, Limits, Running, RunResult, Sandbox, make_sandbox
from graders.spec import GradingSpec

#: shows a message while a slow preparation runs (the harness passes ``rich``'s ``console.status``)
Announce = Callable[[str], AbstractContextManager[object]]


@dataclass
class GradingEnvironment:
    """Built once per run (or per worker) and shared by every trial it grades."""

    server: PostgresServer
    runtime: Runtime
    sandbox: Sandbox
    databases: DatabaseFactory
    keep_databases: bool = False
    limits: Limits = Limits()

    @classmethod
    @contextmanager
    def open(cls, sandbox: str = "bwrap", *, cache_dir: Path | None = None, runtime: Runtime | None = None,
             pg_url: str | None = None, server: PostgresServer | None = None, parent_dir: Path | None = None,
             keep_databases: bool = False, announce: Announce | None = None,
             docker_image: str | None = None) -> Iterator[GradingEnvironment]:
        """The one recipe for a grading environment: the sandbox check first (fails fastest), then the runtime
        venv (``runtime``, or built under ``cache_dir``), then Postgres (``server`` as given, else one at
        ``pg_url``, else a throwaway cluster under ``parent_dir``) and its template database. A server this
        opened is stopped on exit; a ``server`` passed in stays the caller's."""
        status = announce or (lambda _message: nullcontext())
        if sandbox == "bwrap":
            BwrapSandbox()  # raises with the install command when bubblewrap is missing
        if sandbox == "docker":
            engine()  # raises with what to start when no engine answers
        if runtime is None:
            if cache_dir is None:
                raise ValueError("GradingEnvironment.open needs a runtime or a cache_dir")
            with status("Preparing the grading runtime (first time: about 30 s)..."):
                runtime = ensure_runtime(cache_dir)
        owned = server is None
        if server is None:
            server = connect_server(pg_url) if pg_url else start_cluster(parent_dir)
        try:
            shared = [server.socket_dir] if server.socket_dir else []
            with status(f"Preparing the {sandbox} sandbox..."):
                box = make_sandbox(sandbox, [runtime.root], shared, docker_image, REQUIREMENTS)
            factory = DatabaseFactory(server, runtime.python, runtime.dbos_version)
            with status("Preparing the template database..."):
                factory.prepare_template()
            yield cls(server, runtime, box, factory, keep_databases=keep_databases)
        finally:
            if owned:
                server.stop()


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
