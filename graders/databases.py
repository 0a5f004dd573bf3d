"""One database and one role per trial, cloned from a template that DBOS migrated once.

The template's objects belong to an unprivileged owner role so that ``REASSIGN OWNED`` can hand them to the
trial's role; the template database itself belongs to the administrator, so the reassignment never gives a
trial the template. A trial role is never a superuser (a superuser can ``COPY ... TO PROGRAM``) and only it
may connect to its database: nobody may connect to the template (``ALLOW_CONNECTIONS false``: no session of a
trial can hold it and make the next clone fail), PUBLIC may not connect to ``postgres`` or ``template1`` of our
own cluster, and a role gets CREATEDB and CONNECT on ``postgres`` only for a task whose code drops and recreates
its database (``DBOS.reset_system_database()``) or makes more; a database it creates is closed to PUBLIC by the
``DatabaseGuard`` within a poll, and on our own cluster only such roles get past ``pg_hba.conf`` to it. When a
trial ends its role loses its login and every backend it still has is terminated before the role is dropped, so
no statement outlives the trial.
"""

from __future__ import annotations

import hashlib
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import psycopg
from psycopg import sql

from graders.environ import helper_env
from graders.errors import SetupError
from graders.postgres import CONNECTION_CHECK, DB_CREATORS, TEMP_FILE_LIMIT, TEMPLATE_OWNER, PostgresServer

if TYPE_CHECKING:
    from graders.sandbox import Running

CHECKPOINT_AFTER_MB = 64  # a trial that grew its databases past this gives the WAL back at once (CHECKPOINT)
CLONE_ATTEMPTS = 5


@dataclass(frozen=True)
class TrialDatabase:
    name: str
    role: str
    url: str  # what graded code gets, as DBOS_SYSTEM_DATABASE_URL
    recreate: bool = False  # the role may drop and recreate its database (CREATEDB, CONNECT on postgres)


class DatabaseFactory:
    """Builds the template once, then clones one database per trial (about 35 ms each)."""

    def __init__(self, server: PostgresServer, runtime_python: Path, dbos_version: str) -> None:
        self.server = server
        self.runtime_python = runtime_python
        tag = hashlib.sha256(dbos_version.encode()).hexdigest()[:8]
        self.template = f"eval_tmpl_dbos_{tag}"
        self.dbos_version = dbos_version
        self._lock = threading.Lock()
        self._ready = False
        self._strategy = ""  # FILE_COPY clones a small template faster (PostgreSQL 15+)

    def prepare_template(self) -> float:
        """Create and migrate the template if it is missing; returns seconds spent."""
        started = time.perf_counter()
        with self._lock:
            if not self._ready:
                with self.server.connect() as conn:
                    if conn.info.server_version >= 150000:
                        self._strategy = " STRATEGY FILE_COPY"
                self._build_template()
                self._lock_down()
                self._ready = True
        return time.perf_counter() - started

    def _build_template(self) -> None:
        marker = f"dbos-skill-eval template, dbos=={self.dbos_version}, migrated"
        with self.server.connect() as conn:
            row = conn.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                (self.template,),
            ).fetchone()
            if row and row[0] == marker:
                return
            if row:
                conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS true").format(
                    sql.Identifier(self.template)))
                conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(self.template)))
            password = secrets.token_urlsafe(18)
            exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (TEMPLATE_OWNER,)).fetchone()
            verb = "ALTER" if exists else "CREATE"
            conn.execute(sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER PASSWORD {}").format(
                sql.Identifier(TEMPLATE_OWNER), sql.Literal(password)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(self.template)))
            conn.execute(sql.SQL("GRANT CREATE, CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(self.template), sql.Identifier(TEMPLATE_OWNER)))
            self._migrate(self.server.url_for(TEMPLATE_OWNER, password, self.template))
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(TEMPLATE_OWNER)))
            conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                sql.Identifier(self.template), sql.Literal(marker)))

    def _lock_down(self) -> None:
        """Nobody connects to the template; PUBLIC connects to neither ``postgres`` nor ``template1`` of our own
        cluster (a server the user runs keeps its own grants there)."""
        tmpl = sql.Identifier(self.template)
        with self.server.connect() as conn:
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(tmpl))
            conn.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(tmpl))
            if self.server.started_in is not None:
                conn.execute("REVOKE CONNECT, TEMPORARY ON DATABASE postgres, template1 FROM PUBLIC")
            if not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (DB_CREATORS,)).fetchone():
                conn.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(DB_CREATORS)))

    def _migrate(self, url: str) -> None:
        """Run DBOS's own migrations with the runtime's dbos, so the schema matches what graded code expects."""
        code = "import os; from dbos import DBOS; DBOS.migrate(os.environ['TEMPLATE_URL'])"
        env = helper_env(TEMPLATE_URL=url, HOME="/tmp")
        done = subprocess.run([str(self.runtime_python), "-c", code], env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SetupError(f"migrating the template database with dbos failed: {tail[0]}")

    def create(self, label: str, recreate: bool = False) -> TrialDatabase:
        """A fresh role and database for one trial; ``label`` is a short unique token (the trial key);
        ``recreate`` lets its code drop and recreate its own database.

        Heals once what a long run meets: our own cluster died (it is started again) or the template went
        missing (it is rebuilt). Anything else, or a second failure, is raised for an infra error verdict."""
        try:
            return self._create(label, recreate)
        except psycopg.OperationalError:
            if not self.server.ensure_running():
                raise
        except psycopg.errors.InvalidCatalogName:  # the template database is gone
            with self._lock:
                self._ready = False
        return self._create(label, recreate)

    def _create(self, label: str, recreate: bool) -> TrialDatabase:
        self.prepare_template()
        token = "".join(c for c in label.lower() if c.isalnum())[:24] + "_" + secrets.token_hex(3)
        name, role, password = f"trial_{token}", f"trial_{token}", secrets.token_urlsafe(24)
        db, rl = sql.Identifier(name), sql.Identifier(role)
        with self.server.connect() as conn:
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE " + ("CREATEDB" if recreate else "NOCREATEDB") +
                " NOREPLICATION NOBYPASSRLS CONNECTION LIMIT 60 PASSWORD {}").format(rl, sql.Literal(password)))
            _role_settings(conn, rl)
            self._clone(conn, db, rl)
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
            conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, rl))
            if recreate:
                conn.execute(sql.SQL("GRANT CONNECT ON DATABASE postgres TO {}").format(rl))
                conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(DB_CREATORS), rl))
        with self.server.connect(name) as conn:
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(TEMPLATE_OWNER), rl))
        return TrialDatabase(name, role, self.server.url_for(role, password, name), recreate)

    def _clone(self, conn: psycopg.Connection, db: sql.Identifier, role: sql.Identifier) -> None:
        """``CREATE DATABASE ... TEMPLATE``. Nobody may connect to the template, but should a session sit
        on it anyway (one opened before the lock-down, or by hand), it is ended and the clone retried: one
        stray session must not turn every later trial into an infra error."""
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}" + self._strategy).format(
            db, sql.Identifier(self.template), role)
        for attempt in range(CLONE_ATTEMPTS):
            try:
                with self._lock:  # a template may be cloned by one session at a time
                    conn.execute(statement)
                return
            except psycopg.errors.ObjectInUse:
                if attempt == CLONE_ATTEMPTS - 1:
                    raise
                conn.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE datname = %s "
                             "AND pid <> pg_backend_pid()", (self.template,))

    def connect_as_trial(self, trial: TrialDatabase) -> psycopg.Connection:
        """A connection as the trial's own role, to read what the graded code left in its database.

        Never query a trial database as the administrator: the graded code owns its objects, and a view or
        function planted there runs with the privileges of whoever queries it (a superuser can ``COPY ... TO
        PROGRAM``). The role gets a fresh password and its login back first, so code that changed them cannot
        turn its own failure into an infrastructure error.
        """
        password = secrets.token_urlsafe(24)
        with self.server.connect() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} LOGIN NOSUPERUSER CONNECTION LIMIT 60 PASSWORD {}").format(
                sql.Identifier(trial.role), sql.Literal(password)))
        conn = psycopg.connect(self.server.url_for(trial.role, password, trial.name), autocommit=True,
                               connect_timeout=10)
        conn.execute("SET statement_timeout = '30s'")
        return conn

    def size_mb(self, trial: TrialDatabase, conn: psycopg.Connection | None = None) -> float:
        """What the trial's databases take on disk: its own and every one its role created."""
        if conn is None:
            with self.server.connect() as own:
                return self.size_mb(trial, own)
        row = conn.execute(
            "SELECT coalesce(sum(pg_database_size(d.oid)), 0) FROM pg_database d LEFT JOIN pg_roles r "
            "ON d.datdba = r.oid WHERE d.datname = %s OR r.rolname = %s", (trial.name, trial.role)).fetchone()
        return float(row[0]) / 2**20

    def confine_created(self, trial: TrialDatabase, conn: psycopg.Connection) -> list[str]:
        """Close every database the trial's role created to PUBLIC (a new database lets PUBLIC connect);
        returns their names."""
        names = [r[0] for r in conn.execute(
            "SELECT d.datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid WHERE r.rolname = %s AND "
            "(d.datacl IS NULL OR EXISTS (SELECT 1 FROM aclexplode(d.datacl) a WHERE a.grantee = 0))",
            (trial.role,)).fetchall()]
        for name in names:
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(name)))
        return names

    def end(self, trial: TrialDatabase) -> None:
        """The trial is over: its role cannot log in any more and every backend it still has is terminated
        (a query it left running, on any database, ends now)."""
        with self.server.connect() as conn:
            conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(trial.role)))
            _terminate_role(conn, trial.role)

    def drop(self, trial: TrialDatabase) -> None:
        """End the trial, then drop its database, any database its role created, and the role; a trial that
        grew past ``CHECKPOINT_AFTER_MB`` gives its WAL back at once."""
        with self.server.connect() as conn:
            if conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (trial.role,)).fetchone():
                conn.execute(sql.SQL("ALTER ROLE {} NOLOGIN").format(sql.Identifier(trial.role)))
                _terminate_role(conn, trial.role)
            grown = self.size_mb(trial, conn) > CHECKPOINT_AFTER_MB
            owned = conn.execute(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid WHERE r.rolname = %s",
                (trial.role,),
            ).fetchall()
            for (dbname,) in owned:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(trial.name)))
            if trial.recreate:
                conn.execute(sql.SQL("REVOKE CONNECT ON DATABASE postgres FROM {}").format(
                    sql.Identifier(trial.role)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(trial.role)))
            if grown:
                try:
                    conn.execute("CHECKPOINT")
                except psycopg.errors.InsufficientPrivilege:
                    pass


def _role_settings(conn: psycopg.Connection, role: sql.Identifier) -> None:
    """Per-role settings that also hold on a server the user runs: temp files are bounded (only a superuser
    may change ``temp_file_limit``, so the trial cannot lift it) and a dead client's statements end."""
    conn.execute(sql.SQL("ALTER ROLE {} SET client_connection_check_interval = {}").format(
        role, sql.Literal(CONNECTION_CHECK)))
    try:
        conn.execute(sql.SQL("ALTER ROLE {} SET temp_file_limit = {}").format(role, sql.Literal(TEMP_FILE_LIMIT)))
    except psycopg.errors.InsufficientPrivilege:  # a --pg-url administrator that is not a superuser
        pass


def _terminate_role(conn: psycopg.Connection, role: str) -> None:
    """Terminate every backend of ``role`` and wait (up to 5 s each) until it is gone."""
    conn.execute("SELECT pg_terminate_backend(pid, 5000) FROM pg_stat_activity WHERE usename = %s", (role,))


class DatabaseGuard:
    """Bounds a trial's databases while its code runs: Postgres has no per-database quota, so their size is
    polled every ``interval_s`` and a run whose databases pass ``limit_mb`` (0: no limit) is stopped (its
    processes killed, its role's backends terminated); ``RunResult.limit`` then says why. Databases a
    ``recreate`` trial creates are closed to PUBLIC at each poll. Growth between two polls (about
    100 MB/s at most on this hardware) is the overshoot; the space comes back when the trial's databases are
    dropped."""

    def __init__(self, factory: DatabaseFactory, trial: TrialDatabase, limit_mb: int,
                 interval_s: float = 0.25) -> None:
        self.factory, self.trial, self.limit_mb, self.interval_s = factory, trial, limit_mb, interval_s

    def watch(self, running: Running) -> None:
        thread = threading.Thread(target=self._watch, args=(running,), daemon=True)
        running.watchers.append(thread)
        thread.start()

    def _watch(self, running: Running) -> None:
        try:
            with self.factory.server.connect() as conn:
                while True:
                    ended = running.ended.is_set() or running.poll() is not None
                    if self.trial.recreate:
                        self.factory.confine_created(self.trial, conn)
                    size = self.factory.size_mb(self.trial, conn)
                    if self.limit_mb and size > self.limit_mb:
                        running.stop(f"the graded code grew its database to {size:.0f} MB, past the "
                                     f"{self.limit_mb} MB limit")
                        _terminate_role(conn, self.trial.role)
                        return
                    if ended:
                        return
                    running.ended.wait(self.interval_s)
        except psycopg.Error:  # Postgres went away: the check itself notices and says so
            return
