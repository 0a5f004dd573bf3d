"""Tests for ingest.py: every delivered shipment is posted to the WMS exactly once, across crashes and re-runs.

Run from the repo root with `python -m pytest tests/` and a Postgres URL in DBOS_SYSTEM_DATABASE_URL. That
database belongs to this suite and is never cleaned by CI, so every test starts by resetting it: workflows
left behind by earlier runs (of this code or of older versions) must not influence the results.
"""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dbos import DBOS  # noqa: E402

import ingest  # noqa: E402  (must not launch DBOS at import)

EXPORTS = {
    "2024-11-04": {"batch_id": "2024-11-04", "posted": 5, "skipped": 2},
    "2024-11-05": {"batch_id": "2024-11-05", "posted": 3, "skipped": 1},
}


def delivered_tracking_numbers(batch_id: str) -> list[str]:
    shipments = json.loads((REPO / "exports" / f"{batch_id}.json").read_text())["shipments"]
    return [s["tracking_no"] for s in shipments if s["status"] == "delivered"]


def read_wms_log(wms_log: Path) -> list[dict]:
    if not wms_log.exists():
        return []
    return [json.loads(line) for line in wms_log.read_text().splitlines() if line.strip()]


def run_ingest(batch_id: str, wms_log: Path, crash_before_post: Optional[int] = None) -> subprocess.CompletedProcess:
    """Run `python ingest.py exports/<batch_id>.json` like cron does, in a separate process."""
    env = dict(os.environ)
    env["WMS_LOG"] = str(wms_log)
    env.pop("WMS_CRASH_BEFORE_POST", None)
    if crash_before_post is not None:
        env["WMS_CRASH_BEFORE_POST"] = str(crash_before_post)
    return subprocess.run(
        [sys.executable, "ingest.py", f"exports/{batch_id}.json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def summary_of(result: subprocess.CompletedProcess) -> dict:
    assert result.returncode == 0, f"ingest failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
    for line in reversed(result.stdout.splitlines()):
        line = line.strip()
        if not line:
            continue
        try:
            parsed = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(parsed, dict) and "batch_id" in parsed:
            return parsed
    raise AssertionError(f"no JSON summary on stdout:\n{result.stdout}\n{result.stderr}")


def assert_killed(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == -signal.SIGKILL, (
        f"expected the WMS drill to SIGKILL the job, got {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )


def assert_posted_exactly_once(wms_log: Path, batch_id: str) -> None:
    posts = [p for p in read_wms_log(wms_log) if p["batch_id"] == batch_id]
    counts = Counter(p["tracking_no"] for p in posts)
    expected = delivered_tracking_numbers(batch_id)
    assert sorted(counts) == sorted(expected), f"posted {sorted(counts)}, expected {sorted(expected)}"
    duplicates = {t: n for t, n in counts.items() if n != 1}
    assert not duplicates, f"posted more than once: {duplicates}"


@pytest.fixture()
def fresh_system_db() -> Iterator[None]:
    """Wipe the suite's system database so leftovers of earlier runs can't change the outcome."""
    DBOS.destroy()
    DBOS(config=ingest.dbos_config())
    DBOS.reset_system_database()
    DBOS.destroy()
    yield
    DBOS.destroy()


@pytest.fixture()
def dbos_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """DBOS launched in this process on a freshly reset system database; yields the WMS log path."""
    wms_log = tmp_path / "wms.jsonl"
    monkeypatch.setenv("WMS_LOG", str(wms_log))
    monkeypatch.delenv("WMS_CRASH_BEFORE_POST", raising=False)
    DBOS.destroy()
    DBOS(config=ingest.dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    yield wms_log
    DBOS.destroy()


def test_config_pins_application_version() -> None:
    # Without a pinned version a refactor changes the computed version and crashed batches are never recovered.
    config = ingest.dbos_config()
    assert config.get("application_version")
    assert config["system_database_url"] == os.environ["DBOS_SYSTEM_DATABASE_URL"]


@pytest.mark.parametrize("batch_id", sorted(EXPORTS))
def test_ingest_posts_every_delivered_shipment_once(fresh_system_db: None, tmp_path: Path, batch_id: str) -> None:
    wms_log = tmp_path / "wms.jsonl"
    summary = summary_of(run_ingest(batch_id, wms_log))
    assert summary == EXPORTS[batch_id]
    posts = read_wms_log(wms_log)
    assert [p["tracking_no"] for p in posts] == delivered_tracking_numbers(batch_id)
    assert all(p["batch_id"] == batch_id for p in posts)
    assert all(p["receipt"] == f"wms-{p['tracking_no']}" for p in posts)


def test_rerun_of_finished_export_posts_nothing(fresh_system_db: None, tmp_path: Path) -> None:
    wms_log = tmp_path / "wms.jsonl"
    first = summary_of(run_ingest("2024-11-04", wms_log))
    posts_after_first = read_wms_log(wms_log)
    second = summary_of(run_ingest("2024-11-04", wms_log))
    assert second == first == EXPORTS["2024-11-04"]
    assert read_wms_log(wms_log) == posts_after_first
    assert_posted_exactly_once(wms_log, "2024-11-04")


@pytest.mark.parametrize("crash_before_post", [1, 2, 3, 5])
def test_crash_then_rerun_posts_every_shipment_exactly_once(
    fresh_system_db: None, tmp_path: Path, crash_before_post: int
) -> None:
    wms_log = tmp_path / "wms.jsonl"
    delivered = delivered_tracking_numbers("2024-11-04")

    crashed = run_ingest("2024-11-04", wms_log, crash_before_post=crash_before_post)
    assert_killed(crashed)
    # The drill kills the job right before its N-th post: exactly the first N-1 went out.
    assert [p["tracking_no"] for p in read_wms_log(wms_log)] == delivered[: crash_before_post - 1]

    summary = summary_of(run_ingest("2024-11-04", wms_log))
    assert summary == EXPORTS["2024-11-04"]
    assert_posted_exactly_once(wms_log, "2024-11-04")

    # And once finished, yet another run changes nothing.
    posts = read_wms_log(wms_log)
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPORTS["2024-11-04"]
    assert read_wms_log(wms_log) == posts


def test_repeated_crashes_then_rerun_posts_every_shipment_exactly_once(fresh_system_db: None, tmp_path: Path) -> None:
    wms_log = tmp_path / "wms.jsonl"
    assert_killed(run_ingest("2024-11-04", wms_log, crash_before_post=2))
    assert_killed(run_ingest("2024-11-04", wms_log, crash_before_post=2))
    assert len(read_wms_log(wms_log)) >= 2  # the second run made progress before dying
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPORTS["2024-11-04"]
    assert_posted_exactly_once(wms_log, "2024-11-04")


def test_crash_in_one_export_does_not_affect_another(fresh_system_db: None, tmp_path: Path) -> None:
    wms_log = tmp_path / "wms.jsonl"
    assert_killed(run_ingest("2024-11-04", wms_log, crash_before_post=3))
    assert summary_of(run_ingest("2024-11-05", wms_log)) == EXPORTS["2024-11-05"]
    assert_posted_exactly_once(wms_log, "2024-11-05")
    assert summary_of(run_ingest("2024-11-04", wms_log)) == EXPORTS["2024-11-04"]
    assert_posted_exactly_once(wms_log, "2024-11-04")
    assert len(read_wms_log(wms_log)) == EXPORTS["2024-11-04"]["posted"] + EXPORTS["2024-11-05"]["posted"]


def test_ingest_in_process_is_idempotent(dbos_env: Path) -> None:
    wms_log = dbos_env
    path = str(REPO / "exports" / "2024-11-05.json")
    first = ingest.ingest(path)
    assert first == EXPORTS["2024-11-05"]
    second = ingest.ingest(path)
    assert second == first
    assert_posted_exactly_once(wms_log, "2024-11-05")
    status = DBOS.get_workflow_status("ingest-2024-11-05")
    assert status is not None and status.status == "SUCCESS"
