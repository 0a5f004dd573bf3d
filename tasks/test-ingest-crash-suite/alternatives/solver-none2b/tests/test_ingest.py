"""Tests for ingest.py: every delivered shipment is posted to the WMS exactly once, also when the job is
killed half-way and run again, and re-running an export that already went through posts nothing.

The job is run as a subprocess (`python ingest.py exports/<date>.json`) from the repo root, exactly like
cron runs it, so the WMS ops drill (`WMS_CRASH_BEFORE_POST=N`) can SIGKILL it. Each test gets its own
`WMS_LOG` file, which is how we see what was posted.

The DBOS system database in DBOS_SYSTEM_DATABASE_URL belongs to this suite but is never cleaned by CI, so
it holds the workflows of earlier runs (finished ones, ones killed half-way, ones from older versions of
the code). Before every test we drop DBOS's system schema so that each test starts from an empty
database; DBOS recreates it when the job launches.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

ROOT = Path(__file__).resolve().parent.parent
EXPORTS = ROOT / "exports"
DBOS_SYSTEM_SCHEMA = "dbos"
RUN_TIMEOUT_S = 180


# --------------------------------------------------------------------------------------------- helpers


def _engine_for(url: str) -> sa.engine.Engine:
    parsed = sa.engine.make_url(url)
    if "+" in parsed.drivername:
        return sa.create_engine(parsed)
    last_error: Exception | None = None
    for driver in ("postgresql+psycopg", "postgresql+psycopg2"):
        try:
            return sa.create_engine(parsed.set(drivername=driver))
        except ImportError as exc:  # that DBAPI driver isn't installed
            last_error = exc
    raise RuntimeError(f"no Postgres driver available for {url!r}") from last_error


def wipe_dbos_system_database() -> None:
    """Drop everything DBOS stored (workflows, steps, queues...) from earlier runs and tests."""
    engine = _engine_for(os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{DBOS_SYSTEM_SCHEMA}" CASCADE'))
    except OperationalError:
        # The database doesn't exist yet: nothing to wipe, DBOS creates it on launch.
        pass
    finally:
        engine.dispose()


def load_export(date: str) -> dict:
    return json.loads((EXPORTS / f"{date}.json").read_text())


def delivered_shipments(date: str) -> list[dict]:
    return [s for s in load_export(date)["shipments"] if s["status"] == "delivered"]


def expected_summary(date: str) -> dict:
    shipments = load_export(date)["shipments"]
    delivered = [s for s in shipments if s["status"] == "delivered"]
    return {"batch_id": date, "posted": len(delivered), "skipped": len(shipments) - len(delivered)}


def expected_posts(date: str) -> list[dict]:
    return [
        {
            "receipt": f"wms-{s['tracking_no']}",
            "tracking_no": s["tracking_no"],
            "order_id": s["order_id"],
            "delivered_at": s["delivered_at"],
            "batch_id": date,
        }
        for s in delivered_shipments(date)
    ]


def run_ingest(date: str, wms_log: Path, crash_before_post: int | None = None) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env["WMS_LOG"] = str(wms_log)
    env.pop("WMS_CRASH_BEFORE_POST", None)
    if crash_before_post is not None:
        env["WMS_CRASH_BEFORE_POST"] = str(crash_before_post)
    return subprocess.run(
        [sys.executable, "ingest.py", f"exports/{date}.json"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_S,
    )


def summary_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, f"ingest failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    assert lines, f"ingest printed nothing:\n{result.stderr}"
    return json.loads(lines[-1])


def assert_killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, (
        f"expected the WMS drill to kill the job, got exit code {result.returncode}:\n"
        f"{result.stdout}\n{result.stderr}"
    )


def posts(wms_log: Path) -> list[dict]:
    if not wms_log.exists():
        return []
    return [json.loads(line) for line in wms_log.read_text().splitlines() if line.strip()]


# -------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(autouse=True)
def clean_dbos_database():
    wipe_dbos_system_database()
    yield


@pytest.fixture
def wms_log(tmp_path: Path) -> Path:
    return tmp_path / "wms.jsonl"


# ------------------------------------------------------------------------------------------------ tests


@pytest.mark.parametrize("date", ["2024-11-04", "2024-11-05"])
def test_posts_every_delivered_shipment_once(date: str, wms_log: Path):
    summary = summary_of(run_ingest(date, wms_log))

    assert summary == expected_summary(date)
    assert posts(wms_log) == expected_posts(date)


def test_summary_counts_for_real_export(wms_log: Path):
    summary = summary_of(run_ingest("2024-11-04", wms_log))

    assert summary == {"batch_id": "2024-11-04", "posted": 5, "skipped": 2}
    posted = {p["tracking_no"] for p in posts(wms_log)}
    # Shipments that are in transit or had an exception are never posted.
    assert "1Z999AA10123456786" not in posted
    assert "1Z999AA10123456789" not in posted


@pytest.mark.parametrize("date", ["2024-11-04", "2024-11-05"])
def test_rerunning_a_finished_export_posts_nothing(date: str, wms_log: Path):
    first = summary_of(run_ingest(date, wms_log))
    after_first = posts(wms_log)

    second = summary_of(run_ingest(date, wms_log))

    assert second == first == expected_summary(date)
    assert posts(wms_log) == after_first == expected_posts(date)


def test_rerunning_a_finished_export_makes_no_post_at_all(wms_log: Path):
    summary_of(run_ingest("2024-11-04", wms_log))

    # With the drill armed for the very first post, any post attempt at all would kill the job.
    rerun = run_ingest("2024-11-04", wms_log, crash_before_post=1)

    assert summary_of(rerun) == expected_summary("2024-11-04")
    assert posts(wms_log) == expected_posts("2024-11-04")


@pytest.mark.parametrize(
    ("date", "crash_before_post"),
    [
        ("2024-11-04", 1),
        ("2024-11-04", 2),
        ("2024-11-04", 3),
        ("2024-11-04", 5),
        ("2024-11-05", 1),
        ("2024-11-05", 3),
    ],
)
def test_job_killed_half_way_finishes_on_rerun_exactly_once(date: str, crash_before_post: int, wms_log: Path):
    crashed = run_ingest(date, wms_log, crash_before_post=crash_before_post)

    assert_killed(crashed)
    # The drill kills the job right before its N-th post: the first N-1 went through.
    assert posts(wms_log) == expected_posts(date)[: crash_before_post - 1]

    rerun = run_ingest(date, wms_log)

    assert summary_of(rerun) == expected_summary(date)
    # Every delivered shipment posted exactly once, nothing skipped, nothing doubled.
    assert posts(wms_log) == expected_posts(date)


def test_killed_twice_then_finished(wms_log: Path):
    date = "2024-11-04"

    assert_killed(run_ingest(date, wms_log, crash_before_post=2))  # posts shipment 1, dies before 2
    assert posts(wms_log) == expected_posts(date)[:1]

    # The resumed job dies again before its own 2nd post (shipment 3 overall).
    assert_killed(run_ingest(date, wms_log, crash_before_post=2))
    assert posts(wms_log) == expected_posts(date)[:2]

    assert summary_of(run_ingest(date, wms_log)) == expected_summary(date)
    assert posts(wms_log) == expected_posts(date)


def test_recovered_export_then_rerun_posts_nothing_more(wms_log: Path):
    date = "2024-11-05"

    assert_killed(run_ingest(date, wms_log, crash_before_post=2))
    recovered = summary_of(run_ingest(date, wms_log))
    after_recovery = posts(wms_log)

    again = summary_of(run_ingest(date, wms_log))

    assert recovered == again == expected_summary(date)
    assert posts(wms_log) == after_recovery == expected_posts(date)


def test_exports_are_ingested_independently(wms_log: Path, tmp_path: Path):
    other_log = tmp_path / "wms-other.jsonl"

    first = summary_of(run_ingest("2024-11-04", wms_log))
    second = summary_of(run_ingest("2024-11-05", other_log))

    assert first == expected_summary("2024-11-04")
    assert second == expected_summary("2024-11-05")
    # Ingesting one day's export doesn't post (or re-post) anything of another day's.
    assert posts(wms_log) == expected_posts("2024-11-04")
    assert posts(other_log) == expected_posts("2024-11-05")
