"""The Postgres server graded code talks to: the user's (``--pg-url``) or a throwaway cluster we start.

A throwaway cluster lives in a temp dir, listens on a Unix socket only (the sandbox has no network),
uses scram for every connection, and is killed with the harness: the postmaster runs with a parent-death
signal, and ``stop()`` also runs at exit. ``initdb`` refuses root, so as root it runs as ``postgres``. It
starts with a clean environment (no API key of the harness reaches the server), and its ``pg_hba.conf`` lets
a role other than ours reach only the database of its own name (a trial's) and ``postgres`` (still gated by
CONNECT); only a role that may create databases reaches others (those it creates, see graders.databases).
"""

from __future__ import annotations

import atexit
import glob
import hashlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

import psycopg

from graders.environ import helper_env
from graders.errors import SetupError

ADMIN_ROLE = "evaladmin"
TEMPLATE_OWNER = "eval_template_owner"
DB_CREATORS = "eval_db_creators"  # trial roles that may create databases (a task's recreate_database)
# Statements die with their client: a backend whose client is gone notices within this interval (PostgreSQL
# 14+); a trial's own role also gets it (graders.databases) on a server the user runs.
CONNECTION_CHECK = "1s"
TEMP_FILE_LIMIT = "256MB"  # per backend: sorts and hashes spilling to disk stop here
HBA = f"""# written by dbos-skill-eval: ours everywhere, every other role only its own database and postgres
local all {ADMIN_ROLE} scram-sha-256
local all {TEMPLATE_OWNER} scram-sha-256
local sameuser all scram-sha-256
local postgres all scram-sha-256
local all +{DB_CREATORS} scram-sha-256
"""
PG_URL_HINT = "pass --pg-url postgresql://USER:PASSWORD@HOST/DB (or set DBOS_EVAL_PG_URL)"


@dataclass
class PostgresServer:
    """Where the server is and how to reach it as an administrator."""

    admin_conninfo: str
    socket_dir: Path | None  # bound into the sandbox; None for a TCP server
    port: int
    tcp_host: str | None = None
    started_in: Path | None = None  # our own cluster's directory, removed by stop()
    startup_s: float = 0.0
    _process: subprocess.Popen | None = field(default=None, repr=False)
    _launch: Callable[[], subprocess.Popen] | None = field(default=None, repr=False)  # restarts our cluster
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def connect(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.admin_conninfo, dbname=dbname, autocommit=True)

    def url_for(self, role: str, password: str, dbname: str) -> str:
        """A libpq/SQLAlchemy URL for ``role`` (what graded code gets)."""
        auth = f"{quote(role)}:{quote(password)}"
        if self.socket_dir is not None:
            return f"postgresql://{auth}@/{dbname}?host={self.socket_dir}&port={self.port}"
        return f"postgresql://{auth}@{self.tcp_host}:{self.port}/{dbname}"

    def started_at(self) -> str:
        """When the postmaster started: a different value later means the server restarted in between."""
        with self.connect() as conn:
            row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
            assert row is not None  # the query always returns one row
            return str(row[0])

    def ensure_running(self) -> bool:
        """Start our own cluster again (same data, socket and password) if its postmaster died; True if it
        did. A server the user runs (``--pg-url``) is theirs to restart."""
        with self._lock:
            if self._launch is None or self._process is None or self._process.poll() is None:
                return False
            self._process.wait()
            assert self.started_in is not None  # set with _launch: our own cluster
            for _ in range(50):  # backends of the dead postmaster hold its shared memory for a moment
                self._process = self._launch()
                try:
                    _wait_ready(self, self._process, self.started_in / "postgres.log", stop_on_failure=False)
                    return True
                except SetupError:
                    if self._process.poll() is None:
                        return False  # up but not answering: leave it to the caller's error
                    time.sleep(0.2)
            return False

    def stop(self) -> None:
        """Stop a cluster we started (immediate shutdown) and remove its files; no-op otherwise."""
        proc, self._process = self._process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGQUIT)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._launch = None
        if self.started_in is not None:
            shutil.rmtree(self.started_in, ignore_errors=True)
            self.started_in = None


def connect_server(url: str) -> PostgresServer:
    """Use a server the user runs. The role in ``url`` must be able to create roles and databases."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres", "postgresql+psycopg"):
        raise SetupError(f"--pg-url {parts.scheme}://...: not a postgresql:// URL; {PG_URL_HINT}")
    conninfo = url.replace("postgresql+psycopg://", "postgresql://", 1)
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as conn:
            row = conn.execute(
                "SELECT rolsuper OR (rolcreaterole AND rolcreatedb) FROM pg_roles WHERE rolname = current_user"
            ).fetchone()
            sock = conn.info.host if conn.info.host.startswith("/") else None
            port = conn.info.port
    except psycopg.Error as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SetupError(f"--pg-url: cannot connect ({first}); {PG_URL_HINT}") from None
    if not row or not row[0]:
        raise SetupError("--pg-url: the role must be a superuser or have CREATEROLE and CREATEDB")
    host = None if sock else (parts.hostname or "localhost")
    return PostgresServer(conninfo, Path(sock) if sock else None, port, tcp_host=host)


def _find_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=_version_key)
    return candidates[-1] if candidates else None


def _version_key(path: str) -> int:
    part = Path(path).parts[-3]
    return int(part) if part.isdigit() else 0


def _cluster_owner() -> pwd.struct_passwd | None:
    """The unprivileged OS user that runs the cluster when we are root (initdb refuses root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        raise SetupError(
            "running as root, and there is no 'postgres' user to run a throwaway cluster as: "
            f"install PostgreSQL (apt-get install postgresql) or {PG_URL_HINT}"
        ) from None


def _as_owner(owner: pwd.struct_passwd | None, argv: list[str]) -> list[str]:
    base = ["setpriv", "--pdeathsig", "KILL"]
    if owner is None:
        return base + argv
    ids = ["--reuid", str(owner.pw_uid), "--regid", str(owner.pw_gid), "--init-groups"]
    return base + ids + argv


def start_cluster(parent_dir: Path | None = None, cache_dir: Path | None = None,
                  cached: bool = True) -> PostgresServer:
    """A throwaway cluster in a temp dir: socket only, fsync off, scram auth.

    ``initdb`` is most of a cold start (about 1.4 s here), so its output is kept once per PostgreSQL build
    under ``cache_dir`` (default: the runtime cache) and copied for each new cluster (``cached=False``: a
    fresh initdb every time). A copied cluster gets a new administrator password at once.
    """
    initdb, postgres = _find_binary("initdb"), _find_binary("postgres")
    if not initdb or not postgres:
        raise SetupError(
            "PostgreSQL server binaries (initdb, postgres) not found: "
            f"apt-get install postgresql, or {PG_URL_HINT}"
        )
    started = time.perf_counter()
    owner = _cluster_owner()
    root = Path(tempfile.mkdtemp(prefix="dbos-eval-pg-", dir=parent_dir))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    os.chmod(root, 0o755)
    if owner is not None:
        for path in (root, sock):
            os.chown(path, owner.pw_uid, owner.pw_gid)
    cache = _initdb_cache(cache_dir, initdb, owner) if cached else None
    try:
        password = _initialized(initdb, data, owner, cache)
    except SetupError:
        shutil.rmtree(root, ignore_errors=True)
        raise
    port = 5432
    settings = {
        "listen_addresses": "", "unix_socket_directories": str(sock), "port": str(port),
        "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
        "max_connections": "400", "unix_socket_permissions": "0777",
        "shared_buffers": "128MB", "log_min_messages": "warning",
        "client_connection_check_interval": CONNECTION_CHECK, "temp_file_limit": TEMP_FILE_LIMIT,
        "max_wal_size": "96MB", "min_wal_size": "32MB", "wal_level": "minimal", "max_wal_senders": "0",
        "hba_file": str(root / "pg_hba.conf"),
        # No autovacuum: trial databases live for seconds, and an autovacuum worker on one makes a suite's own
        # DROP DATABASE ... WITH (FORCE) (DBOS.reset_system_database) fail with InsufficientPrivilege, because
        # a non-superuser may not terminate it (PostgreSQL 15 TerminateOtherDBBackends).
        "autovacuum": "off",
    }
    (root / "pg_hba.conf").write_text(HBA)
    if owner is not None:
        os.chown(root / "pg_hba.conf", owner.pw_uid, owner.pw_gid)
    argv = [postgres, "-D", str(data)] + [f"-c{k}={v}" for k, v in settings.items()]

    def launch() -> subprocess.Popen:
        with open(root / "postgres.log", "ab") as log:
            return subprocess.Popen(_as_owner(owner, argv), stdout=log, stderr=subprocess.STDOUT, cwd=root,
                                    start_new_session=True, env=helper_env())

    conninfo = f"host={sock} port={port} user={ADMIN_ROLE} password={password} dbname=postgres"
    proc = launch()
    server = PostgresServer(conninfo, sock, port, started_in=root, _process=proc, _launch=launch)
    atexit.register(server.stop)
    _wait_ready(server, proc, root / "postgres.log")
    if cache is not None:  # every copy of the cache starts with its password: this cluster gets its own
        fresh = secrets.token_urlsafe(24)
        with server.connect() as conn:
            conn.execute(f"ALTER ROLE {ADMIN_ROLE} PASSWORD '{fresh}'")  # url-safe characters only
        server.admin_conninfo = conninfo.replace(f"password={password}", f"password={fresh}")
    server.startup_s = time.perf_counter() - started
    return server


def _initdb_cache(cache_dir: Path | None, initdb: str, owner: pwd.struct_passwd | None) -> Path:
    """Where this PostgreSQL build's initdb output is kept (keyed by the binary and the cluster owner)."""
    if cache_dir is None:
        from graders.runtime import default_cache_dir

        cache_dir = default_cache_dir()
    st = os.stat(initdb)
    key = f"{os.path.realpath(initdb)}:{st.st_size}:{st.st_mtime_ns}:{owner.pw_uid if owner else os.geteuid()}"
    return Path(cache_dir) / "clusters" / hashlib.sha256(key.encode()).hexdigest()[:16]


def _initialized(initdb: str, data: Path, owner: pwd.struct_passwd | None, cache: Path | None) -> str:
    """Fill ``data`` with an initialized cluster (copied from ``cache`` when it holds one, else initdb, then
    kept there); returns the administrator's password."""
    if cache is not None and (cache / "ready").is_file():
        copy = subprocess.run(["cp", "-a", str(cache / "data"), str(data)], capture_output=True, text=True)
        if copy.returncode == 0:
            return (cache / "password").read_text().strip()
        shutil.rmtree(data, ignore_errors=True)  # a damaged cache: fall back to initdb
    password = secrets.token_urlsafe(24)
    pwfile = data.parent / "pw"
    pwfile.write_text(password)
    if owner is not None:
        os.chown(pwfile, owner.pw_uid, owner.pw_gid)
    os.chmod(pwfile, 0o600)
    init = subprocess.run(
        _as_owner(owner, [initdb, "-D", str(data), "-U", ADMIN_ROLE, "--auth=scram-sha-256",
                          f"--pwfile={pwfile}", "-E", "UTF8", "--no-sync", "--no-instructions"]),
        capture_output=True, text=True, cwd=data.parent, env=helper_env(),
    )
    pwfile.unlink()
    if init.returncode != 0:
        raise SetupError(f"initdb failed: {init.stderr.strip().splitlines()[-1:]}; {PG_URL_HINT}")
    if cache is not None:
        _keep(data, password, cache)
    return password


def _keep(data: Path, password: str, cache: Path) -> None:
    """Store a fresh initdb's output for later clusters: built aside, then renamed into place, so a reader
    never sees half a cache; the folder is the harness user's alone (it holds the password). Best effort."""
    staging = cache.parent / f".{cache.name}.{os.getpid()}.{secrets.token_hex(4)}"
    try:
        staging.mkdir(parents=True, mode=0o700)
        os.chmod(cache.parent, 0o700)
        subprocess.run(["cp", "-a", str(data), str(staging / "data")], check=True, capture_output=True)
        (staging / "password").write_text(password)
        os.chmod(staging / "password", 0o600)
        (staging / "ready").write_text("")
        staging.rename(cache)
    except OSError:  # another process kept it first, or the cache is not writable: initdb next time
        shutil.rmtree(staging, ignore_errors=True)
    except subprocess.CalledProcessError:
        shutil.rmtree(staging, ignore_errors=True)


def _wait_ready(server: PostgresServer, proc: subprocess.Popen, log: Path, timeout_s: float = 30,
                stop_on_failure: bool = True) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-3:]
            if stop_on_failure:
                server.stop()
            raise SetupError(f"postgres exited at start-up: {' | '.join(tail)}")
        try:
            with server.connect():
                return
        except psycopg.OperationalError:
            time.sleep(0.02)
    if stop_on_failure:
        server.stop()
    raise SetupError(f"postgres did not accept connections within {timeout_s:.0f}s (log: {log})")


def redact(url: str) -> str:
    """The URL with its password replaced, for logs and manifests."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(":" + quote(unquote(parts.password), safe=""), ":***", 1)
    netloc = netloc.replace(":" + parts.password, ":***", 1)
    return parts._replace(netloc=netloc).geturl()
