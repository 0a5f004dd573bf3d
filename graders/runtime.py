"""The virtualenv graded code runs in: dbos pinned, pytest, and what tasks import.

Built from an interpreter the sandbox user can read (the default one may live under /root, mode 0700) into
a cache directory that user can read, keyed by the requirements, so another dbos version is another venv.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from graders.environ import NETWORK, helper_env
from graders.errors import SetupError

REQUIREMENTS = (
    "dbos==3.4.0",
    "pytest==9.0.3",
    "pytest-timeout==2.4.0",
    "psycopg[binary]>=3.2",
    "fastapi>=0.115",
    "uvicorn>=0.30",
    "flask>=3.0",
    "httpx>=0.27",
    "requests>=2.32",
)
SYSTEM_PYTHONS = ("/usr/bin/python3", "/usr/local/bin/python3")


@dataclass(frozen=True)
class Runtime:
    root: Path
    python: Path
    dbos_version: str
    key: str


def default_cache_dir() -> Path:
    """Where runtimes live: a system cache dir for root (readable by sandbox users), else the user's cache."""
    if os.geteuid() == 0:
        return Path("/var/cache/dbos-skill-eval")
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "dbos-skill-eval"


def readable_python() -> str:
    """A Python >= 3.10 that every user can execute (not one under a private home directory)."""
    for candidate in SYSTEM_PYTHONS:
        if os.access(candidate, os.X_OK) and _world_readable(Path(candidate).resolve()):
            return candidate
    if _world_readable(Path(sys.executable).resolve()):
        return sys.executable
    raise SetupError("no Python readable by an unprivileged user: apt-get install python3 python3-venv")


def _world_readable(path: Path) -> bool:
    return all(os.stat(p).st_mode & 0o005 == 0o005 for p in [path, *path.parents] if p != Path("/")) and bool(
        path.stat().st_mode & 0o004)


def ensure_runtime(cache_dir: Path, requirements: tuple[str, ...] = REQUIREMENTS) -> Runtime:
    """Return the cached venv for ``requirements``, building it (about 25 s) the first time."""
    python = readable_python()
    version = subprocess.run([python, "-c", "import sys; print(sys.version.split()[0])"],
                             capture_output=True, text=True, check=True, env=helper_env()).stdout.strip()
    key = hashlib.sha256("\n".join((python, version, *requirements)).encode()).hexdigest()[:16]
    root = cache_dir / "runtime" / key
    dbos_version = next((r.split("==", 1)[1] for r in requirements if r.startswith("dbos==")), "unpinned")
    runtime = Runtime(root, root / "bin" / "python", dbos_version, key)
    if (root / ".complete").exists():
        return runtime
    cache_dir.mkdir(parents=True, exist_ok=True)
    for p in (cache_dir, cache_dir / "runtime"):
        p.mkdir(exist_ok=True)
        p.chmod(0o755)
    with open(cache_dir / "runtime" / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".complete").exists():
            _build(python, root, requirements)
    return runtime


def _build(python: str, root: Path, requirements: tuple[str, ...]) -> None:
    shutil.rmtree(root, ignore_errors=True)
    steps = (
        [python, "-m", "venv", str(root)],
        [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         *requirements],
    )
    # pip gets what reaching an index takes (proxies, certificates, PIP_* settings), never the harness's keys
    env = helper_env((*NETWORK, "HOME", "XDG_CACHE_HOME", "REQUESTS_CA_BUNDLE",
                      *(k for k in os.environ if k.startswith("PIP_"))))
    for argv in steps:
        done = subprocess.run(argv, capture_output=True, text=True, env=env)
        if done.returncode != 0:
            shutil.rmtree(root, ignore_errors=True)
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            hint = " (apt-get install python3-venv)" if "venv" in argv else ""
            raise SetupError(f"building the grading runtime failed at `{' '.join(argv[:4])}`{hint}: {tail[0]}")
    for dirpath, _dirs, files in os.walk(root):
        os.chmod(dirpath, 0o755)
        for name in files:
            path = os.path.join(dirpath, name)
            if not os.path.islink(path):
                os.chmod(path, os.stat(path).st_mode | 0o444)
    (root / ".complete").write_text("ok\n")
