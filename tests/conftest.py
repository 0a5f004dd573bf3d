"""Shared fixtures. Tests that need PostgreSQL, bubblewrap or Docker skip (with the reason) where they are missing,
except under CI, where both are installed and a skip would hide a failure."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURE_TASKS = REPO / "tests" / "fixtures" / "tasks"


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what} is missing under CI, where .ci/run installs it")
    pytest.skip(f"{what} is missing on this machine")


@pytest.fixture(scope="session")
def pg_server():
    from graders.postgres import _find_binary, connect_server, start_cluster

    if os.environ.get("DBOS_EVAL_PG_URL"):
        server = connect_server(os.environ["DBOS_EVAL_PG_URL"])
    elif _find_binary("initdb") and _find_binary("postgres"):
        server = start_cluster()
    else:
        _missing("PostgreSQL (initdb/postgres) or DBOS_EVAL_PG_URL")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def runtime():
    from graders.runtime import default_cache_dir, ensure_runtime

    return ensure_runtime(Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir()))


@pytest.fixture(scope="session")
def bwrap_available():
    if not shutil.which("bwrap"):
        _missing("bubblewrap (bwrap)")


@pytest.fixture(scope="session")
def grading_env(pg_server, runtime, bwrap_available):
    from graders import GradingEnvironment

    with GradingEnvironment.open("bwrap", runtime=runtime, server=pg_server) as env:
        yield env


@pytest.fixture(scope="session")
def docker_base():
    """The base image the docker tests build their runtime image from: $DBOS_EVAL_DOCKER_BASE (.ci/run builds
    one with debootstrap, since no registry is reachable here), else the default python:3.11-slim if present."""
    from graders.docker_sandbox import DEFAULT_BASE, engine
    from graders.errors import SetupError

    try:
        client = engine()
    except SetupError as exc:
        _missing(f"a Docker engine ({exc})")
    base = os.environ.get("DBOS_EVAL_DOCKER_BASE") or DEFAULT_BASE
    if not client.images.list(name=base):
        _missing(f"the docker base image {base} (.ci/docker.sh builds one)")
    return base


@pytest.fixture(scope="session")
def docker_grading_env(pg_server, runtime, docker_base):
    from graders import GradingEnvironment

    with GradingEnvironment.open("docker", runtime=runtime, server=pg_server, docker_image=docker_base) as env:
        yield env
