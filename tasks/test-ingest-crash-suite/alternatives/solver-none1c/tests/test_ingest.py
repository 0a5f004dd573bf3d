"""Tests for ingest.py: every delivered shipment is posted to the WMS exactly once, even across crashes.

ingest.py is always run the way cron runs it (`python ingest.py exports/<date>.json`, from the repo root) in
a subprocess, because the crash drill (WMS_CRASH_BEFORE_POST) SIGKILLs the whole process. What was posted is
read back from the WMS log (WMS_LOG), which each test points at its own temporary file.

The DBOS system database in DBOS_SYSTEM_DATABASE_URL is shared by every run of this suite and never cleaned
by CI, so each test starts by wiping the DBOS system schema: workflows left behind by earlier runs (of this
code or of older versions of it) must not change what a test sees.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parent.parent
EXPORTS = REPO / "exports"
DBOS_SYSTEM_SCHEMA = "dbos"
RUN_TIMEOUT = 300

EXPECTED_SUMMARIES = {
    "2024-11-04": {"batch_id": "2024-11-04", "posted": 5, "skipped": 2},
    "2024-11-05": {"batch_id": "2024-11-05", "posted": 3, "skipped": 1},
}


# --------------------------------------------------------------------------- helpers


def wipe_system_database() -> None:
    """Drop everything DBOS keeps in the system database; DBOS recreates it on the next launch."""
    url = sa.make_url(os.environ["DBOS_SYSTEM_DATABASE_URL"])
    if url.drivername in ("postgres", "postgresql"):
        url = url.set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{DBOS_SYSTEM_SCHEMA}" CASCADE'))
    except sa.exc.OperationalError as exc:
        if "does not exist" in str(exc):
            return  # the database itself was never created: nothing to wipe
        raise
    finally:
        engine.dispose()


@pytest.fixture(autouse=True)
def clean_system_database():
    wipe_system_database()
    yield


@pytest.fixture
def wms_log(tmp_path) -> Path:
    return tmp_path / "wms.jsonl"


def run_ingest(date: str, wms_log: Path, crash_before_post: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["WMS_LOG"] = str(wms_log)
    env.pop("WMS_CRASH_BEFORE_POST", None)
    if crash_before_post is not None:
        env["WMS_CRASH_BEFORE_POST"] = str(crash_before_post)
    return subprocess.run(
        [sys.executable, "ingest.py", f"exports/{date}.json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
    )


def describe(proc: subprocess.CompletedProcess) -> str:
    return f"exit code {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"


def summary_of(proc: subprocess.CompletedProcess) -> dict:
    """The JSON summary ingest.py prints on success (the last JSON object line on stdout)."""
    assert proc.returncode == 0, f"ingest.py failed:\n{describe(proc)}"
    for line in reversed(proc.stdout.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    pytest.fail(f"ingest.py printed no JSON summary:\n{describe(proc)}")


def assert_crashed(proc: subprocess.CompletedProcess) -> None:
    assert proc.returncode == -signal.SIGKILL, f"expected the crash drill to kill ingest.py:\n{describe(proc)}"


def read_log(wms_log: Path) -> list[dict]:
    if not wms_log.exists():
        return []
    return [json.loads(line) for line in wms_log.read_text().splitlines() if line.strip()]


def shipments(date: str) -> list[dict]:
    return json.loads((EXPORTS / f"{date}.json").read_text())["shipments"]


def expected_posts(date: str) -> list[dict]:
    return [
        {
            "receipt": f"wms-{s['tracking_no']}",
            "tracking_no": s["tracking_no"],
            "order_id": s["order_id"],
            "delivered_at": s["delivered_at"],
            "batch_id": date,
        }
        for s in shipments(date)
        if s["status"] == "delivered"
    ]


def _canonical(records: list[dict]) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True) for r in records)


def assert_no_duplicate_posts(records: list[dict]) -> None:
    counts = Counter((r.get("batch_id"), r.get("tracking_no")) for r in records)
    duplicates = sorted(key for key, n in counts.items() if n > 1)
    assert not duplicates, f"posted to the WMS more than once: {duplicates}"
    tracking_counts = Counter(r.get("tracking_no") for r in records)
    duplicates = sorted(t for t, n in tracking_counts.items() if n > 1)
    assert not duplicates, f"shipments posted to the WMS more than once: {duplicates}"


def assert_posted_exactly_once(wms_log: Path, *dates: str) -> list[dict]:
    records = read_log(wms_log)
    assert_no_duplicate_posts(records)
    expected = [post for date in dates for post in expected_posts(date)]
    assert _canonical(records) == _canonical(expected)
    return records


def assert_partial_progress(wms_log: Path, date: str, count: int) -> list[dict]:
    """After a crash: exactly `count` posts so far, all distinct, all correct delivered shipments of `date`."""
    records = read_log(wms_log)
    assert_no_duplicate_posts(records)
    assert len(records) == count, records
    allowed = set(_canonical(expected_posts(date)))
    for record in records:
        assert json.dumps(record, sort_keys=True) in allowed, f"unexpected post: {record}"
    return records


# --------------------------------------------------------------------------- sanity of the fixtures


def test_exports_are_what_the_tests_expect():
    for date, summary in EXPECTED_SUMMARIES.items():
        ships = shipments(date)
        delivered = [s for s in ships if s["status"] == "delivered"]
        assert len(delivered) == summary["posted"]
        assert len(ships) - len(delivered) == summary["skipped"]
        assert len({s["tracking_no"] for s in ships}) == len(ships)


# --------------------------------------------------------------------------- normal runs


@pytest.mark.parametrize("date", sorted(EXPECTED_SUMMARIES))
def test_run_posts_every_delivered_shipment_once(date, wms_log):
    proc = run_ingest(date, wms_log)

    assert summary_of(proc) == EXPECTED_SUMMARIES[date]
    records = assert_posted_exactly_once(wms_log, date)
    skipped = {s["tracking_no"] for s in shipments(date) if s["status"] != "delivered"}
    assert not skipped & {r["tracking_no"] for r in records}


@pytest.mark.parametrize("date", sorted(EXPECTED_SUMMARIES))
def test_rerunning_an_ingested_export_posts_nothing_and_prints_the_same_summary(date, wms_log):
    first = summary_of(run_ingest(date, wms_log))
    posted = read_log(wms_log)

    for _ in range(2):
        again = summary_of(run_ingest(date, wms_log))
        assert again == first == EXPECTED_SUMMARIES[date]
        assert read_log(wms_log) == posted

    assert_posted_exactly_once(wms_log, date)


def test_each_export_is_its_own_batch(wms_log):
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPECTED_SUMMARIES["2024-11-04"]
    assert summary_of(run_ingest("2024-11-05", wms_log)) == EXPECTED_SUMMARIES["2024-11-05"]
    posted = assert_posted_exactly_once(wms_log, "2024-11-04", "2024-11-05")

    # Re-running either day again changes nothing.
    assert summary_of(run_ingest("2024-11-05", wms_log)) == EXPECTED_SUMMARIES["2024-11-05"]
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPECTED_SUMMARIES["2024-11-04"]
    assert read_log(wms_log) == posted


# --------------------------------------------------------------------------- crashes


CRASH_CASES = [
    (date, n) for date, summary in sorted(EXPECTED_SUMMARIES.items()) for n in range(1, summary["posted"] + 1)
]


@pytest.mark.parametrize("date, n", CRASH_CASES, ids=[f"{d}-crash-before-post-{n}" for d, n in CRASH_CASES])
def test_crash_before_nth_post_then_rerun_posts_each_shipment_exactly_once(date, n, wms_log):
    assert_crashed(run_ingest(date, wms_log, crash_before_post=n))
    assert_partial_progress(wms_log, date, n - 1)

    rerun = run_ingest(date, wms_log)
    assert summary_of(rerun) == EXPECTED_SUMMARIES[date]
    posted = assert_posted_exactly_once(wms_log, date)

    # Once through, yet another run posts nothing and prints the same summary.
    assert summary_of(run_ingest(date, wms_log)) == EXPECTED_SUMMARIES[date]
    assert read_log(wms_log) == posted


def test_crashing_on_every_retry_still_posts_each_shipment_exactly_once(wms_log):
    date = "2024-11-04"
    delivered = EXPECTED_SUMMARIES[date]["posted"]

    # Each run dies before its own second post, so every run gets exactly one shipment further.
    crashes = 0
    while True:
        proc = run_ingest(date, wms_log, crash_before_post=2)
        if proc.returncode != 0:
            assert_crashed(proc)
            crashes += 1
            assert_partial_progress(wms_log, date, crashes)
            assert crashes < delivered, "ingest.py keeps crashing without finishing the batch"
            continue
        assert summary_of(proc) == EXPECTED_SUMMARIES[date]
        break

    assert crashes == delivered - 1
    posted = assert_posted_exactly_once(wms_log, date)

    assert summary_of(run_ingest(date, wms_log)) == EXPECTED_SUMMARIES[date]
    assert read_log(wms_log) == posted


def test_crash_on_the_retry_before_it_posts_anything(wms_log):
    date = "2024-11-04"
    assert_crashed(run_ingest(date, wms_log, crash_before_post=3))
    assert_partial_progress(wms_log, date, 2)

    assert_crashed(run_ingest(date, wms_log, crash_before_post=1))
    assert_partial_progress(wms_log, date, 2)

    assert summary_of(run_ingest(date, wms_log)) == EXPECTED_SUMMARIES[date]
    assert_posted_exactly_once(wms_log, date)


def test_next_days_export_runs_between_a_crash_and_its_retry(wms_log):
    assert_crashed(run_ingest("2024-11-04", wms_log, crash_before_post=3))
    assert_partial_progress(wms_log, "2024-11-04", 2)

    assert summary_of(run_ingest("2024-11-05", wms_log)) == EXPECTED_SUMMARIES["2024-11-05"]
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPECTED_SUMMARIES["2024-11-04"]
    posted = assert_posted_exactly_once(wms_log, "2024-11-04", "2024-11-05")

    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPECTED_SUMMARIES["2024-11-04"]
    assert summary_of(run_ingest("2024-11-05", wms_log)) == EXPECTED_SUMMARIES["2024-11-05"]
    assert read_log(wms_log) == posted
