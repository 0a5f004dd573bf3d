"""Tests for the carrier ingest job (run with `python -m pytest tests/` from the repo root).

The job is run the way cron runs it, as `python ingest.py <export>`, so a test can kill it half-way with the
WMS crash drill and run it again.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from dbos import DBOS

ROOT = Path(__file__).resolve().parent.parent
DELIVERED_1104 = {"1Z999AA10123456784", "1Z999AA10123456785", "1Z999AA10123456787",
                  "1Z999AA10123456788", "1Z999AA10123456790"}


@pytest.fixture()
def wms_log(tmp_path):
    """An empty system database (CI reuses one database for every run) and a fresh WMS log."""
    DBOS.reset_system_database(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"], truncate=True)
    return tmp_path / "wms.jsonl"


def ingest(export: str, wms_log: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "ingest.py", f"exports/{export}.json"], cwd=ROOT,
                          env={**os.environ, "WMS_LOG": str(wms_log), **env},
                          capture_output=True, text=True, timeout=60)


def posted(wms_log: Path) -> list[str]:
    if not wms_log.exists():
        return []
    return [json.loads(line)["tracking_no"] for line in wms_log.read_text().splitlines()]


def summary(done: subprocess.CompletedProcess) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_ingest_posts_each_delivered_shipment_and_a_rerun_posts_nothing(wms_log):
    first = ingest("2024-11-05", wms_log)
    assert first.returncode == 0, first.stderr
    assert summary(first) == {"batch_id": "2024-11-05", "posted": 3, "skipped": 1}
    assert sorted(posted(wms_log)) == ["1Z999AA10123457001", "1Z999AA10123457002", "1Z999AA10123457004"]

    again = ingest("2024-11-05", wms_log)
    assert again.returncode == 0, again.stderr
    assert summary(again) == summary(first)
    assert len(posted(wms_log)) == 3


def test_job_killed_half_way_and_rerun_posts_every_delivery_exactly_once(wms_log):
    crashed = ingest("2024-11-04", wms_log, WMS_CRASH_BEFORE_POST="3")
    assert crashed.returncode != 0, "the drill should have killed the job"
    assert len(posted(wms_log)) == 2

    rerun = ingest("2024-11-04", wms_log)
    assert rerun.returncode == 0, rerun.stderr
    assert summary(rerun) == {"batch_id": "2024-11-04", "posted": 5, "skipped": 2}
    counts = Counter(posted(wms_log))
    assert set(counts) == DELIVERED_1104, "a delivery was skipped"
    assert max(counts.values()) == 1, f"a delivery was posted twice: {counts}"
