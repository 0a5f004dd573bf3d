"""Grades the model's test suite (`tests/test_ingest.py`): it must pass on the real ingest job, and at least one
of its tests must fail on a copy of the job that records each delivery in a plain step instead of a datasource
transaction (the row commits before the step's checkpoint, so a crash right after the commit records it twice
on the rerun; that copy passes every test that does not crash it there).

Each run is `python -m pytest tests/` on a fresh copy of the workspace. As in the user's CI, the database is
never clean: before the suite runs, the job has already been run on it (as an earlier CI run would have), leaving its
workflows and its warehouse rows. The
two runs go in parallel, each on its own database, to keep grading fast.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from dbos_evalkit import WORKSPACE, database_url, sql

VARIANTS = Path(__file__).parent / "variants"
NOT_COPIED = shutil.ignore_patterns(".hidden_tests", "__pycache__", ".pytest_cache", "*.jsonl", "*.pyc")
# The CI limit the prompt states for one run of the suite (a thorough suite launches ingest.py dozens of
# times, and grading machines are shared: the limit is generous on purpose).
CI_LIMIT_S = 480


def copy_of_workspace(variant: str | None) -> Path:
    repo = Path(tempfile.mkdtemp(prefix="suite-")) / "repo"
    shutil.copytree(WORKSPACE, repo, ignore=NOT_COPIED)
    if variant is not None:
        shutil.copytree(VARIANTS / variant, repo, dirs_exist_ok=True)
    return repo


def second_database() -> str:
    """A new database of the trial's role (it may create databases), next to the trial's own."""
    import sqlalchemy as sa

    url = sa.make_url(database_url())
    name = f"{url.database}_variant"
    sql(f'DROP DATABASE IF EXISTS "{name}"')
    sql(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False)


def run_suite(variant: str | None, db_url: str, *extra: str) -> subprocess.CompletedProcess:
    repo = copy_of_workspace(variant)
    assert (repo / "tests" / "test_ingest.py").is_file(), "tests/test_ingest.py is missing"
    env = {**os.environ, "DBOS_SYSTEM_DATABASE_URL": db_url}
    # An earlier CI run already ingested these exports on this database.
    earlier_run = copy_of_workspace(None)
    for export in ("2024-11-05", "2024-11-04"):
        earlier = subprocess.run([sys.executable, "ingest.py", f"exports/{export}.json"], cwd=earlier_run,
                                 env=env, capture_output=True, text=True,
                                 timeout=60)
        assert earlier.returncode == 0, f"setting up the database failed:\n{earlier.stderr[-2000:]}"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *extra, "tests/"]
    try:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=CI_LIMIT_S)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return subprocess.CompletedProcess(args, -9, out, f"killed after {CI_LIMIT_S}s (the CI limit)")


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess]:
    with ThreadPoolExecutor(2) as pool:
        real = pool.submit(run_suite, None, database_url())
        broken = pool.submit(lambda: run_suite("records-in-plain-step", second_database(), "-x"))
        return {"real": real.result(), "broken": broken.result()}


def counts(done: subprocess.CompletedProcess) -> dict[str, int]:
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors)", summary)}


def tail(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


def test_suite_catches_deliveries_recorded_in_a_plain_step(runs):
    done = runs["broken"]
    found = counts(done)
    assert done.returncode == 1 and found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0) > 0, (
        f"no test failed on a job that records a delivery twice after a crash right after its commit (pytest exit {done.returncode}):\n"
        f"{tail(done)}")


def test_suite_passes_on_the_real_job_against_a_used_database(runs):
    done = runs["real"]
    assert done.returncode == 0, f"the suite fails on the correct ingest job:\n{tail(done)}"
    assert counts(done).get("passed", 0) >= 1, f"no test ran:\n{tail(done)}"
