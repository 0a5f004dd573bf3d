"""Pins down the dunning job: a day's run uses its own day, and the scheduler's runs, backfills and repeated
backfills never remind anyone twice.

The scheduler runs a tick under the workflow id ``sched-<schedule>-<tick time>``, and ``DBOS.backfill_schedule``
uses the same ids; a test that plays "the scheduler already ran March 4th" must run the tick under that id,
not by calling the workflow function with a fresh one.
"""

import json
import os
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import dunning
import pytest
from dbos import DBOS, DBOSConfig, SetWorkflowID

OVERDUE = {
    "2024-03-02": {"inv-101"},
    "2024-03-04": {"inv-101", "inv-102"},
    "2024-03-05": {"inv-101", "inv-102"},
    "2024-03-06": {"inv-101", "inv-102", "inv-104"},
}


@pytest.fixture()
def reminders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    log = tmp_path / "reminders.jsonl"
    monkeypatch.setenv("REMINDER_LOG", str(log))
    DBOS.destroy()
    config: DBOSConfig = {
        "name": "dunning-test",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dunning-test",
    }
    DBOS(config=config)
    DBOS.reset_system_database()
    DBOS.launch()
    dunning.apply_schedule()
    yield log
    DBOS.destroy()


def sent(log: Path) -> list[tuple[str, str]]:
    """(as_of day, invoice id) of every reminder sent for March 2024 (a live 09:00 tick of today is ignored)."""
    if not log.exists():
        return []
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return [(r["as_of"], r["invoice_id"]) for r in rows if r["as_of"].startswith("2024-03")]


def expected(*days: str) -> Counter:
    return Counter((day, invoice) for day in days for invoice in OVERDUE[day])


def scheduler_runs(day: str) -> dict:
    """What the scheduler does at 09:00 UTC of ``day``: the tick, under the scheduler's workflow id."""
    tick = datetime.combine(date.fromisoformat(day), datetime.min.time().replace(hour=9), tzinfo=UTC)
    with SetWorkflowID(f"sched-{dunning.SCHEDULE_NAME}-{tick.isoformat()}"):
        return dunning.dunning_run(tick, None)


def test_a_days_run_reminds_what_was_overdue_that_day(reminders: Path) -> None:
    result = scheduler_runs("2024-03-04")
    assert result == {"as_of": "2024-03-04", "reminded": 2}
    assert Counter(sent(reminders)) == expected("2024-03-04")


def test_backfill_runs_every_day_of_the_range_once(reminders: Path) -> None:
    results = dunning.backfill(date(2024, 3, 4), date(2024, 3, 6))
    assert [r["as_of"] for r in results] == ["2024-03-04", "2024-03-05", "2024-03-06"]
    assert Counter(sent(reminders)) == expected("2024-03-04", "2024-03-05", "2024-03-06")


def test_the_same_backfill_twice_reminds_nobody_twice(reminders: Path) -> None:
    dunning.backfill(date(2024, 3, 2), date(2024, 3, 2))
    dunning.backfill(date(2024, 3, 2), date(2024, 3, 2))
    assert Counter(sent(reminders)) == expected("2024-03-02")
