"""Grades the model's test suite (`tests/test_dunning.py`): it must pass on the dunning job as it is, and at
least one of its tests must fail on each broken copy of `dunning.py` in `variants/`:
- `as-of-today`: a run reminds what is overdue as of the clock's day, not the tick's;
- `backfill-no-ids`: the backfill calls the day's workflow directly, so every backfill runs every day again;
- `backfill-own-ids`: the backfill runs each day under an id of its own (idempotent with itself), so a day the
  scheduler already ran (id `sched-<schedule>-<tick time>`) is reminded again.

Each run is `python -m pytest tests/` on a fresh copy of the workspace, all against the trial database, as in
the user's CI: the broken variants run first and the run on the real job comes last. The prompt tells the
user that CI kills a run after 3 minutes: a run that takes longer counts as a failed run.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from dbos_evalkit import WORKSPACE

VARIANTS = Path(__file__).parent / "variants"
NOT_COPIED = shutil.ignore_patterns(".hidden_tests", "__pycache__", ".pytest_cache", "*.jsonl", "*.pyc")
SUITE = "tests/test_dunning.py"
CI_LIMIT_S = 180


def run_suite(variant: str | None = None) -> subprocess.CompletedProcess:
    repo = Path(tempfile.mkdtemp(prefix="suite-")) / "repo"
    shutil.copytree(WORKSPACE, repo, ignore=NOT_COPIED)
    if variant is not None:
        shutil.copytree(VARIANTS / variant, repo, dirs_exist_ok=True)
    assert (repo / SUITE).is_file(), f"{SUITE} is missing"
    args = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/"]
    try:
        return subprocess.run(args, cwd=repo, capture_output=True, text=True, timeout=CI_LIMIT_S)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return subprocess.CompletedProcess(args, -9, out, f"killed after {CI_LIMIT_S}s (the CI limit)")


def counts(done: subprocess.CompletedProcess) -> dict[str, int]:
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors)", summary)}


def tail(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("variant", ["as-of-today", "backfill-no-ids", "backfill-own-ids"])
def test_suite_catches_the_broken_job(variant):
    done = run_suite(variant)
    found = counts(done)
    failed = found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0)
    assert done.returncode == -9 or (done.returncode == 1 and failed > 0), (
        f"no test failed on the '{variant}' bug (pytest exit {done.returncode}):\n{tail(done)}")


def test_suite_passes_on_the_real_job_against_a_used_database():
    done = run_suite()
    found = counts(done)
    assert done.returncode == 0, f"the suite fails on the correct job (pytest exit {done.returncode}):\n{tail(done)}"
    assert found.get("passed", 0) >= 1, f"no test ran: {found}\n{tail(done)}"
