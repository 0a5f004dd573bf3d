"""One database and one role per trial, cloned from a template that DBOS migrated once.

The template's objects belong to an unprivileged owner role so that ``REASSIGN OWNED`` can hand them to the
trial's role; the template database itself belongs to the administrator, so the reassignment never gives a
trial the template. A trial role is never a superuser (a superuser can ``COPY ... TO PROGRAM``) and only it
may connect to its database.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

from graders.errors import SetupError
from graders.postgres import PostgresServer

TEMPLATE_OWNER = "eval_template_owner"


@dataclass(frozen=True)
class TrialDatabase:
    name: str
    role: str
    url: str  # what graded code gets, as DBOS_SYSTEM_DATABASE_URL


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

    def _migrate(self, url: str) -> None:
        """Run DBOS's own migrations with the runtime's dbos, so the schema matches what graded code expects."""
        code = "import os; from dbos import DBOS; DBOS.migrate(os.environ['TEMPLATE_URL'])"
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TEMPLATE_URL": url, "HOME": "/tmp"}
        done = subprocess.run([str(self.runtime_python), "-c", code], env=env, capture_output=True,
                              text=True, timeout=300)
        if done.returncode != 0:
            tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
            raise SetupError(f"migrating the template database with dbos failed: {tail[0]}")

    def create(self, label: str) -> TrialDatabase:
        """A fresh role and database for one trial; ``label`` is a short unique token (the trial key).

        Heals once what a long run meets: our own cluster died (it is started again) or the template went
        missing (it is rebuilt). Anything else, or a second failure, is raised for an infra error verdict."""
        try:
            return self._create(label)
        except psycopg.OperationalError:
            if not self.server.ensure_running():
                raise
        except psycopg.errors.InvalidCatalogName:  # the template database is gone
            with self._lock:
                self._ready = False
        return self._create(label)

    def _create(self, label: str) -> TrialDatabase:
        self.prepare_template()
        token = "".join(c for c in label.lower() if c.isalnum())[:24] + "_" + secrets.token_hex(3)
        name, role, password = f"trial_{token}", f"trial_{token}", secrets.token_urlsafe(24)
        db, rl = sql.Identifier(name), sql.Identifier(role)
        with self.server.connect() as conn:
            conn.execute(sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE CREATEDB NOREPLICATION NOBYPASSRLS "
                "CONNECTION LIMIT 60 PASSWORD {}").format(rl, sql.Literal(password)))
            with self._lock:  # a template may be cloned by one session at a time
                conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}" + self._strategy).format(
                    db, sql.Identifier(self.template), rl))
            conn.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(db))
            conn.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(db, rl))
        with self.server.connect(name) as conn:
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(sql.Identifier(TEMPLATE_OWNER), rl))
        return TrialDatabase(name, role, self.server.url_for(role, password, name))

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

    def drop(self, trial: TrialDatabase) -> None:
        """Drop the trial's database, any database its role created, and the role."""
        with self.server.connect() as conn:
            owned = conn.execute(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON d.datdba = r.oid WHERE r.rolname = %s",
                (trial.role,),
            ).fetchall()
            for (dbname,) in owned:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(dbname)))
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(trial.name)))
            conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(trial.role)))
