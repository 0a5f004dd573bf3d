"""Behaviour of the dunning job (``dunning.py``), pinned down before the refactor.

Run from the repo root: ``python -m pytest tests/``. ``DBOS_SYSTEM_DATABASE_URL`` must point at the Postgres
database that belongs to this suite: every test wipes it (``DBOS.reset_system_database()``) before launching
DBOS, so leftovers of earlier runs (CI never cleans it) cannot change the outcome. Each test logs the
reminders it sends to its own ``REMINDER_LOG`` file under ``tmp_path``.
"""

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dbos import DBOS, DBOSConfig  # noqa: E402

import dunning  # noqa: E402

# invoices.json: who is overdue as of each day (unpaid and due strictly before that day).
#   inv-101 acme     due 03-01 unpaid   inv-102 bluebird due 03-03 unpaid   inv-103 cobalt due 03-02 PAID
#   inv-104 delta    due 03-05 unpaid   inv-105 ember    due 03-20 unpaid   inv-106 fjord  due 2030-01-01
CUSTOMERS = {"inv-101": "acme", "inv-102": "bluebird", "inv-104": "delta"}
OVERDUE_AS_OF = {
    "2024-02-29": [],
    "2024-03-01": [],  # inv-101 is due that day, not before it
    "2024-03-02": ["inv-101"],
    "2024-03-03": ["inv-101"],  # inv-102 is due that day; inv-103 is paid
    "2024-03-04": ["inv-101", "inv-102"],
    "2024-03-05": ["inv-101", "inv-102"],
    "2024-03-06": ["inv-101", "inv-102", "inv-104"],
    "2024-03-07": ["inv-101", "inv-102", "inv-104"],
}


def days(first: str, last: str) -> list[str]:
    d, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while d <= end:
        out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def expected_reminders(as_of_days: list[str]) -> Counter:
    """Each overdue invoice of each day reminded exactly once, stamped with that day."""
    return Counter((day, inv, CUSTOMERS[inv]) for day in as_of_days for inv in OVERDUE_AS_OF[day])


def expected_results(as_of_days: list[str]) -> list[dict]:
    return [{"as_of": day, "reminded": len(OVERDUE_AS_OF[day])} for day in as_of_days]


def reminders(log: Path) -> Counter:
    """Reminders sent for 2024 days, as (as_of, invoice_id, customer). Days of other years are left out: only a
    real 09:00 UTC tick of today's live schedule (should the suite run at that moment) could send those."""
    if not log.exists():
        return Counter()
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return Counter(
        (e["as_of"], e["invoice_id"], e["customer"]) for e in entries if str(e["as_of"]).startswith("2024-")
    )


def tick(day: str) -> datetime:
    """The schedule's 09:00 UTC tick of ``day``."""
    return datetime.fromisoformat(f"{day}T09:00:00+00:00")


def utc_midnight(day: str) -> datetime:
    return datetime.fromisoformat(f"{day}T00:00:00+00:00")


def dbos_config() -> DBOSConfig:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        pytest.fail("DBOS_SYSTEM_DATABASE_URL is not set: point it at this suite's Postgres database")
    return {
        "name": "dunning",
        "system_database_url": url,
        "application_version": "dunning-3",  # as dunning.launch() does
    }


@pytest.fixture()
def reminder_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "reminders.jsonl"
    monkeypatch.setenv("REMINDER_LOG", str(log))
    monkeypatch.chdir(ROOT)  # dunning reads invoices.json from the working directory
    return log


@pytest.fixture()
def dunning_env(reminder_log: Path) -> Iterator[Path]:
    """A wiped system database and a launched DBOS with the daily schedule applied, like ``dunning.launch()``."""
    DBOS.destroy()
    DBOS(config=dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    dunning.apply_schedule()
    yield reminder_log
    DBOS.destroy()


@pytest.fixture()
def wiped_db(reminder_log: Path) -> Iterator[Path]:
    """A wiped system database and no DBOS in this process (for tests that run ``dunning.py`` itself)."""
    DBOS.destroy()
    DBOS(config=dbos_config())
    DBOS.reset_system_database()
    DBOS.destroy()
    yield reminder_log
    DBOS.destroy()


def test_day_run_reminds_invoices_overdue_as_of_that_day(dunning_env: Path) -> None:
    log = dunning_env
    result = dunning.dunning_run(tick("2024-03-04"), None)
    assert result == {"as_of": "2024-03-04", "reminded": 2}
    # As of March 4th: inv-101 and inv-102, each once. Not inv-104/inv-105 (overdue as of today), not the
    # paid inv-103.
    assert reminders(log) == expected_reminders(["2024-03-04"])


def test_day_runs_use_their_own_day_at_the_boundaries(dunning_env: Path) -> None:
    log = dunning_env
    checked: list[str] = []
    for day in ["2024-03-01", "2024-03-03", "2024-03-06"]:
        assert dunning.dunning_run(tick(day), None) == {"as_of": day, "reminded": len(OVERDUE_AS_OF[day])}
        checked.append(day)
        assert reminders(log) == expected_reminders(checked)
    sent = {inv for (_, inv, _) in reminders(log)}
    assert "inv-103" not in sent  # paid
    assert "inv-105" not in sent and "inv-106" not in sent  # not yet due on those days


def test_backfill_runs_every_day_of_the_range_once(dunning_env: Path) -> None:
    log = dunning_env
    results = dunning.backfill(date(2024, 3, 1), date(2024, 3, 6))
    range_days = days("2024-03-01", "2024-03-06")
    # One result per day, first and last day included, oldest first.
    assert results == expected_results(range_days)
    assert reminders(log) == expected_reminders(range_days)
    # Nothing outside the range (the days before and after would remind someone).
    assert {day for (day, _, _) in reminders(log)} <= set(range_days)


def test_backfill_of_a_single_day(dunning_env: Path) -> None:
    log = dunning_env
    assert dunning.backfill(date(2024, 3, 4), date(2024, 3, 4)) == expected_results(["2024-03-04"])
    assert reminders(log) == expected_reminders(["2024-03-04"])


def test_backfill_skips_a_day_the_scheduler_already_ran(dunning_env: Path) -> None:
    log = dunning_env
    # Before the outage the scheduler ran March 3rd's 09:00 tick, under its own workflow id.
    handles = DBOS.backfill_schedule(dunning.SCHEDULE_NAME, utc_midnight("2024-03-03"), utc_midnight("2024-03-04"))
    assert [h.get_result() for h in handles] == expected_results(["2024-03-03"])
    assert reminders(log) == expected_reminders(["2024-03-03"])

    # The outage backfill covers that day: March 3rd is not reminded again, the other days run once.
    results = dunning.backfill(date(2024, 3, 2), date(2024, 3, 5))
    range_days = days("2024-03-02", "2024-03-05")
    assert results == expected_results(range_days)  # March 3rd: its recorded result
    assert reminders(log) == expected_reminders(range_days)


def test_running_the_same_backfill_twice_reminds_nobody_twice(dunning_env: Path) -> None:
    log = dunning_env
    range_days = days("2024-03-01", "2024-03-05")
    first = dunning.backfill(date(2024, 3, 1), date(2024, 3, 5))
    assert first == expected_results(range_days)
    sent_once = reminders(log)
    assert sent_once == expected_reminders(range_days)

    second = dunning.backfill(date(2024, 3, 1), date(2024, 3, 5))
    assert second == first
    assert reminders(log) == sent_once

    # An overlapping backfill only runs the days that never ran.
    third = dunning.backfill(date(2024, 3, 4), date(2024, 3, 7))
    assert third == expected_results(days("2024-03-04", "2024-03-07"))
    assert reminders(log) == expected_reminders(days("2024-03-01", "2024-03-07"))


def run_cli(*args: str) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "dunning.py", *args],
        cwd=ROOT,
        env=dict(os.environ),  # REMINDER_LOG and DBOS_SYSTEM_DATABASE_URL
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    return json.loads(lines[-1])


def test_cli_backfill_twice_reminds_nobody_twice(wiped_db: Path) -> None:
    log = wiped_db
    range_days = days("2024-03-01", "2024-03-04")
    first = run_cli("backfill", "2024-03-01", "2024-03-04")
    assert first == expected_results(range_days)
    assert reminders(log) == expected_reminders(range_days)

    second = run_cli("backfill", "2024-03-01", "2024-03-04")
    assert second == first
    assert reminders(log) == expected_reminders(range_days)
