"""Grades the model's test suite (`tests/test_transcoding.py`): it must pass on the transcoding worker as it
is, and at least one of its tests must fail on each broken copy of the worker in `variants/` (no concurrency
limit; no deduplication; duplicates refused forever, so a re-upload is never transcoded again).

Each run is `python -m pytest tests/` on a fresh copy of the workspace, all against the trial database, as in
the user's CI: the broken variants run first, then a worker run that CI killed half-way leaves transcodes
queued and running behind, and the run on the real worker comes last.
"""

import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dbos_evalkit import KILLED, WORKSPACE, read_jsonl, start_program, wait_until

VARIANTS = Path(__file__).parent / "variants"
NOT_COPIED = shutil.ignore_patterns(".hidden_tests", "__pycache__", ".pytest_cache", "*.jsonl", "*.pyc")
SUITE = "tests/test_transcoding.py"


def run_suite(variant: str | None = None) -> subprocess.CompletedProcess:
    repo = Path(tempfile.mkdtemp(prefix="suite-")) / "repo"
    shutil.copytree(WORKSPACE, repo, ignore=NOT_COPIED)
    if variant is not None:
        shutil.copytree(VARIANTS / variant, repo, dirs_exist_ok=True)
    assert (repo / SUITE).is_file(), f"{SUITE} is missing"
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/"],
                          cwd=repo, capture_output=True, text=True, timeout=140)


def counts(done: subprocess.CompletedProcess) -> dict[str, int]:
    summary = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error|errors)", summary)}


def tail(done: subprocess.CompletedProcess) -> str:
    return (done.stdout + done.stderr)[-3000:]


@pytest.mark.parametrize("variant", ["no-concurrency-limit", "no-deduplication", "never-transcodes-again"])
def test_suite_catches_the_broken_worker(variant):
    done = run_suite(variant)
    found = counts(done)
    assert done.returncode == 1 and found.get("failed", 0) + found.get("error", 0) + found.get("errors", 0) > 0, (
        f"no test failed on the '{variant}' bug (pytest exit {done.returncode}):\n{tail(done)}")


def leave_a_killed_worker_run_behind() -> None:
    """A worker run (of the real code) killed while transcoding: PENDING and ENQUEUED workflows stay behind."""
    log = "killed-run-encoder.jsonl"
    proc = start_program("transcoding.py", "vid-left-1", "vid-left-2", "vid-left-3",
                         env={"ENCODER_LOG": log, "CATALOG_LOG": "killed-run-catalog.jsonl", "ENCODER_SECONDS": "30"})
    try:
        wait_until(lambda: read_jsonl(log), timeout=60, message="the worker run to start encoding")
    finally:
        proc.kill()
        proc.wait(timeout=30)
    assert proc.returncode in KILLED


def test_suite_passes_on_the_real_worker_against_a_used_database():
    leave_a_killed_worker_run_behind()
    done = run_suite()
    found = counts(done)
    assert done.returncode == 0, f"the suite fails on the correct worker:\n{tail(done)}"
    assert found.get("passed", 0) >= 1, f"no test ran: {found}\n{tail(done)}"
