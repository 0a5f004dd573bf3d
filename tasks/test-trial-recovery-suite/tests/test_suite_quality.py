"""Grades the model's test suite (`tests/test_trials.py`): it must pass on the free trials as they are, and at
least one of its tests must fail on each broken copy of `trials.py` in `variants/` (a welcome email sent from
the workflow body, so a recovered trial sends it again; a new trial, under a new workflow id, on every run of
the command; a resume that re-runs the trial from its first step (fork) instead of resuming it; a pause that
cancels the wrong workflow, so the trial goes on and charges).

Each run is `python -m pytest tests/` on a fresh copy of the workspace, as in the user's CI. The broken
variants run two at a time (the trials mostly wait), each on a database of its own but one on the trial database;
the run on the real trials comes last, on the trial database, after a variant's run has used it. The prompt
tells the user that CI kills a run after 4 minutes: a run that takes longer counts as a failed run.
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
NAMES = ["welcome-outside-step", "new-trial-per-run", "resume-starts-over", "pause-wrong-workflow"]
NOT_COPIED = shutil.ignore_patterns(".hidden_tests", "__pycache__", ".pytest_cache", "*.jsonl", "*.pyc")
SUITE = "tests/test_trials.py"
CI_LIMIT_S = 240


def own_database(name: str) -> str:
    """A new database of the trial's role (it may create databases), next to the trial's own."""
    import sqlalchemy as sa

    url = sa.make_url(database_url())
    db = f"{url.database}_{name.replace('-', '_')}"
    sql(f'DROP DATABASE IF EXISTS "{db}"')
    sql(f'CREATE DATABASE "{db}"')
    return url.set(database=db).render_as_string(hide_password=False)


def run_suite(variant: str | None, db_url: str) -> subprocess.CompletedProcess:
    repo = Path(tempfile.mkdtemp(prefix="suite-")) / "repo"
    shutil.copytree(WORKSPACE, repo, ignore=NOT_COPIED)
    if variant is not None:
        shutil.copytree(VARIANTS / variant, repo, dirs_exist_ok=True)
    if not (repo / SUITE).is_file():
        return subprocess.CompletedProcess([], 4, "", f"{SUITE} is missing")
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/"]
    env = {**os.environ, "DBOS_SYSTEM_DATABASE_URL": db_url}
    try:
        return subprocess.run(args, cwd=repo, env=env, capture_output=True, text=True, timeout=CI_LIMIT_S)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return subprocess.CompletedProcess(args, -9, out, f"killed after {CI_LIMIT_S}s (the CI limit)")


@pytest.fixture(scope="module")
def runs() -> dict[str, subprocess.CompletedProcess]:
    urls = {name: (database_url() if i == 0 else own_database(name)) for i, name in enumerate(NAMES)}
    with ThreadPoolExecutor(2) as pool:  # two at a time: grading machines are shared
        done = {name: pool.submit(run_suite, name, urls[name]) for name in NAMES}
        found = {name: future.result() for name, future in done.items()}
    found["real"] = run_suite(None, database_url())  # on the database a variant's run has just used
    return found


def counts(done: subprocess.CompletedProcess) -> dict[str, int]:
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors)", summary)}


def tail(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("variant", NAMES)
def test_suite_catches_the_broken_trials(runs, variant):
    assert (WORKSPACE / SUITE).is_file(), f"{SUITE} is missing"
    done = runs[variant]
    found = counts(done)
    failed = found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0)
    assert done.returncode == -9 or (done.returncode == 1 and failed > 0), (
        f"no test failed on the '{variant}' bug (pytest exit {done.returncode}):\n{tail(done)}")


def test_suite_passes_on_the_real_trials_against_a_used_database(runs):
    assert (WORKSPACE / SUITE).is_file(), f"{SUITE} is missing"
    done = runs["real"]
    found = counts(done)
    assert done.returncode == 0, f"the suite fails on the correct trials (pytest exit {done.returncode}):\n{tail(done)}"
    assert found.get("passed", 0) >= 1, f"no test ran: {found}\n{tail(done)}"
