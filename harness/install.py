"""`python run_eval.py setup`: install what a run needs. Standard library only: it runs before the
Python dependencies exist.

With ``--docker`` it also builds the docker sandbox's runtime image (``--docker-image BASE``, default
python:3.11-slim): it needs a running engine, which setup does not start.

System packages (bubblewrap for the sandbox, PostgreSQL server binaries for the throwaway cluster, venv for
the grading runtime) are installed with apt-get when we have the rights; otherwise the exact command is
printed and the exit code is 2.

The Claude Code CLI (for ``claude-code/<model>``) is installed with npm, pinned, into ``.cache/claude-code``
(the npm package brings a self-contained native binary, so it runs offline afterwards); Node.js and npm come
from apt-get when missing. ``setup --no-claude-code`` skips it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CLAUDE_CODE_PACKAGE = "@anthropic-ai/claude-code@2.1.332"  # keep in step with harness/models/claude_code.py
CLAUDE_CODE_DIR = REPO / ".cache" / "claude-code"


def install_claude_code() -> int:
    """npm install of the pinned CLI into .cache/claude-code (skipped when that version is already there)."""
    cli = CLAUDE_CODE_DIR / "node_modules" / ".bin" / "claude"
    version = CLAUDE_CODE_PACKAGE.rsplit("@", 1)[1]
    if cli.exists():
        probe = subprocess.run([str(cli), "--version"], capture_output=True, text=True, check=False)
        if probe.stdout.startswith(version):
            print(f"Claude Code CLI {version} already installed ({cli})")
            return 0
    if not shutil.which("npm") and (code := install_system_packages(["nodejs", "npm"])) != 0:
        return code
    print(f"Installing the Claude Code CLI for claude-code/<model> (npm {CLAUDE_CODE_PACKAGE} into "
          f"{CLAUDE_CODE_DIR}; skip with --no-claude-code)", flush=True)
    CLAUDE_CODE_DIR.mkdir(parents=True, exist_ok=True)
    npm = ["npm", "install", "--prefix", str(CLAUDE_CODE_DIR), "--no-audit", "--no-fund", "--loglevel=error",
           CLAUDE_CODE_PACKAGE]
    if subprocess.run(npm, check=False).returncode != 0 or not cli.exists():
        print("npm install of the Claude Code CLI failed; see the output above (or pass --no-claude-code)")
        return 2
    return 0


def missing_system_packages(docker: bool = False) -> list[str]:
    """With ``docker`` the graded code runs in containers: bubblewrap, setpriv and prlimit are not needed."""
    missing = []
    if not docker and not shutil.which("bwrap"):
        missing.append("bubblewrap")
    have_pg = shutil.which("initdb") or glob.glob("/usr/lib/postgresql/*/bin/initdb")
    if not have_pg and not os.environ.get("DBOS_EVAL_PG_URL"):
        missing.append("postgresql")
    if subprocess.run(["/usr/bin/python3", "-c", "import ensurepip, venv"], capture_output=True,
                      check=False).returncode != 0:
        missing.append("python3-venv")
    tools = (("pkill", "procps"),) + (() if docker else (("setpriv", "util-linux"), ("prlimit", "util-linux")))
    for tool, package in tools:
        if not shutil.which(tool) and package not in missing:
            missing.append(package)
    return missing


def install_system_packages(packages: list[str]) -> int:
    command = ["apt-get", "install", "-y", "--no-install-recommends", *packages]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print("Missing system packages: " + ", ".join(packages))
        print("Install them with:  sudo apt-get update && sudo " + " ".join(command))
        return 2
    print("Installing system packages: " + ", ".join(packages), flush=True)
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for argv in (["apt-get", "update", "-qq"], command):
        if subprocess.run(argv, env=env, check=False).returncode != 0:
            print(f"`{' '.join(argv)}` failed; install {', '.join(packages)} and run setup again")
            return 2
    return 0


def docker_setup(argv: list[str]) -> int:
    """``setup --docker [--docker-image BASE]``: build the docker sandbox's runtime image ahead of time."""
    base = argv[argv.index("--docker-image") + 1] if "--docker-image" in argv[:-1] else ""
    if "--docker-image" in argv and not base:
        print("setup --docker-image: needs an image name (e.g. python:3.11-slim)")
        return 2
    from graders.docker_sandbox import SETUP_COMMAND  # installed by now (pip install -e . ran first)

    return subprocess.run([sys.executable, "-c", SETUP_COMMAND, *([base] if base else [])], cwd=REPO,
                          check=False).returncode


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[2:] if argv is None else argv
    if unknown := [a for a in argv if a not in ("--docker", "--docker-image", "--no-claude-code") and not
                   (argv.index(a) > 0 and argv[argv.index(a) - 1] == "--docker-image")]:
        print(f"setup: unknown argument {unknown[0]} (setup takes --no-claude-code, --docker [--docker-image BASE])")
        return 2
    if sys.version_info < (3, 11):  # noqa: UP036 - runs before the package metadata is checked
        print(f"Python 3.11 or newer is needed (this is {sys.version.split()[0]})")
        return 2
    missing = missing_system_packages(docker="--docker" in argv)
    if missing and (code := install_system_packages(missing)) != 0:
        return code
    print("Installing Python packages (pip install -e .)", flush=True)
    pip = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(REPO)]
    if subprocess.run(pip, check=False).returncode != 0:
        print("pip install failed; see the output above")
        return 2
    if "--no-claude-code" not in argv and (code := install_claude_code()) != 0:
        return code
    if "--docker" in argv and (code := docker_setup(argv)) != 0:
        return code
    print("Setup complete. Next: python run_eval.py")
    return 0


if __name__ == "__main__":
    sys.exit(main())
