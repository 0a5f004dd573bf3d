"""Grades the model's test suite (`tests/test_orders.py`): it must pass on the shop's checkout as it is, and
at least one of its tests must fail on each broken copy of the checkout or of the weekly summary in
`variants/` (a declined card that keeps the stock, a retry that charges again, a summary scheduled on Sundays
or at 06:00 Berlin time instead of Mondays 06:00 UTC, a summary that never emails the owner).

Each run is `python -m pytest tests/` on a fresh copy of the workspace, all against the same database (as in
the user's CI), so a suite that does not reset DBOS between runs trips over the workflows of earlier runs.
The broken variants run first; the run on the real checkout comes last, after the database has seen them.
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


def run_suite(variant: str | None = None) -> subprocess.CompletedProcess:
    repo = Path(tempfile.mkdtemp(prefix="suite-")) / "repo"
    shutil.copytree(WORKSPACE, repo, ignore=NOT_COPIED)
    if variant is not None:
        shutil.copytree(VARIANTS / variant, repo, dirs_exist_ok=True)
    assert (repo / "tests" / "test_orders.py").is_file(), "tests/test_orders.py is missing"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/"],
                          cwd=repo, capture_output=True, text=True, timeout=120)


def counts(done: subprocess.CompletedProcess) -> dict[str, int]:
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors)", summary)}


def tail(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("variant", ["keeps-stock-on-decline", "retry-charges-again", "summary-on-sunday",
                                     "summary-in-local-time", "summary-not-emailed"])
def test_suite_catches_the_broken_checkout(variant):
    done = run_suite(variant)
    found = counts(done)
    assert done.returncode == 1 and found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0) > 0, (
        f"no test failed on the '{variant}' bug (pytest exit {done.returncode}):\n{tail(done)}")


def test_suite_passes_on_the_real_checkout_against_a_used_database():
    done = run_suite()
    found = counts(done)
    assert done.returncode == 0, f"the suite fails on the correct checkout:\n{tail(done)}"
    assert found.get("passed", 0) >= 1, f"no test ran: {found}\n{tail(done)}"
