"""Tests for the carrier ingest job (run with `python -m pytest tests/` from the repo root).

The job is run the way cron runs it, as `python ingest.py <export>`, so a test can kill it right after a
commit with the warehouse crash drill and run it again.
"""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from dbos import DBOS

ROOT = Path(__file__).resolve().parent.parent
DELIVERED_1104 = {"1Z999AA10123456784", "1Z999AA10123456785", "1Z999AA10123456787",
                  "1Z999AA10123456788", "1Z999AA10123456790"}
DELIVERED_1105 = {"1Z999AA10123457001", "1Z999AA10123457002", "1Z999AA10123457004"}


def database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


@pytest.fixture()
def db():
    """An empty system database and no warehouse rows (CI reuses one database for every run)."""
    DBOS.reset_system_database(system_database_url=database_url(), truncate=True)
    engine = sa.create_engine(sa.make_url(database_url()).set(drivername="postgresql+psycopg"))
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS warehouse CASCADE"))  # ingest.py creates it again
    yield engine
    engine.dispose()


def ingest(export: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "ingest.py", f"exports/{export}.json"], cwd=ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True, timeout=120)


@DBOS.transaction()
def _tracking_numbers(batch_id: str) -> list[str]:
    return list(DBOS.sql_session.execute(
        sa.text("SELECT tracking_no FROM warehouse.deliveries WHERE batch_id = :b"), {"b": batch_id}).scalars())


def recorded(engine: sa.Engine, batch_id: str) -> list[str]:
    return _tracking_numbers(batch_id)


def summary(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ingest_records_each_delivered_shipment_and_a_rerun_records_nothing(db):
    first = ingest("2024-11-05")
    assert first.returncode == 0, first.stderr
    assert summary(first) == {"batch_id": "2024-11-05", "recorded": 3, "skipped": 1}
    assert sorted(recorded(db, "2024-11-05")) == sorted(DELIVERED_1105)

    again = ingest("2024-11-05")
    assert again.returncode == 0, again.stderr
    assert summary(again) == summary(first)
    assert len(recorded(db, "2024-11-05")) == 3


def test_job_killed_right_after_a_commit_and_rerun_records_every_delivery_exactly_once(db):
    crashed = ingest("2024-11-04", WAREHOUSE_CRASH_AFTER_COMMIT="3")
    assert crashed.returncode == -signal.SIGKILL, f"the drill should have killed the job:\n{crashed.stderr}"
    assert 1 <= len(recorded(db, "2024-11-04")) < len(DELIVERED_1104)

    rerun = ingest("2024-11-04")
    assert rerun.returncode == 0, rerun.stderr
    assert summary(rerun) == {"batch_id": "2024-11-04", "recorded": 5, "skipped": 2}
    counts = Counter(recorded(db, "2024-11-04"))
    assert set(counts) == DELIVERED_1104, "a delivery was skipped"
    assert max(counts.values()) == 1, f"a delivery was recorded twice: {counts}"
