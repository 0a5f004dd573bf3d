"""Behaviour of the dunning job (``dunning.py``), pinned down before it is refactored.

Run from the repo root with ``python -m pytest tests/``, against the Postgres database named by
``DBOS_SYSTEM_DATABASE_URL``. That database belongs to this suite: every test wipes it first
(``DBOS.reset_system_database()``), so leftovers of earlier runs change nothing. Reminders are read from the
email client's log (``REMINDER_LOG``), which each test points at its own temporary file.
"""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from dbos import DBOS, DBOSConfig

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import dunning  # noqa: E402  (the repo root must be importable first)

# The invoices of invoices.json overdue (unpaid, due strictly before the day) as of each day of early March
# 2024. As of today every unpaid invoice but inv-106 is overdue, so a run that looked at today's date instead
# of its own day would also remind inv-104 / inv-105 on days where they were not overdue yet.
OVERDUE = {
    "2024-03-01": [],
    "2024-03-02": ["inv-101"],
    "2024-03-03": ["inv-101"],
    "2024-03-04": ["inv-101", "inv-102"],
    "2024-03-05": ["inv-101", "inv-102"],
    "2024-03-06": ["inv-101", "inv-102", "inv-104"],
    "2024-03-07": ["inv-101", "inv-102", "inv-104"],
    "2024-03-08": ["inv-101", "inv-102", "inv-104"],
}
CUSTOMERS = {"inv-101": "acme", "inv-102": "bluebird", "inv-104": "delta"}

Reminder = tuple[str, str, str]  # (invoice_id, customer, as_of)


def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]


def expected_results(first: date, last: date) -> list[dict]:
    return [{"as_of": day, "reminded": len(OVERDUE[day])} for day in days(first, last)]


def expected_reminders(*day_lists: list[str]) -> list[Reminder]:
    """Each overdue invoice of each listed day exactly once (a day listed twice counts twice)."""
    return sorted(
        (invoice, CUSTOMERS[invoice], day) for day_list in day_lists for day in day_list for invoice in OVERDUE[day]
    )


def sent(log: Path) -> list[Reminder]:
    """Every reminder the email client sent, sorted; duplicates are kept so that they show up in comparisons."""
    if not log.exists():
        return []
    entries = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    # The real daily schedule is live while the tests run; if a test happens to straddle 09:00 UTC, ignore
    # that genuine tick for today (every day under test is in 2024).
    today = datetime.now(UTC).date().isoformat()
    return sorted((e["invoice_id"], e["customer"], e["as_of"]) for e in entries if e["as_of"] != today)


def dbos_config() -> DBOSConfig:
    # The same application as dunning.launch(): same name and pinned version.
    return {
        "name": "dunning",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dunning-3",
    }


@pytest.fixture()
def reminder_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    log = tmp_path / "reminders.jsonl"
    monkeypatch.setenv("REMINDER_LOG", str(log))
    monkeypatch.chdir(ROOT)  # dunning reads invoices.json from the working directory
    return log


@pytest.fixture()
def dbos_env(reminder_log: Path) -> Iterator[Path]:
    """A freshly wiped system database and a launched DBOS with the daily schedule applied."""
    DBOS.destroy()
    DBOS(config=dbos_config())
    DBOS.reset_system_database()  # before launch: wipes whatever earlier runs left behind
    DBOS.launch()
    dunning.apply_schedule()
    yield reminder_log
    DBOS.destroy()


def relaunch() -> None:
    """Restart DBOS on the same system database, as a new process would (no reset)."""
    DBOS.destroy()
    DBOS(config=dbos_config())
    DBOS.launch()
    dunning.apply_schedule()


MAR_1, MAR_5, MAR_6, MAR_8 = (date(2024, 3, d) for d in (1, 5, 6, 8))


def test_a_days_run_reminds_exactly_the_invoices_overdue_as_of_that_day(dbos_env: Path) -> None:
    # A late run of March 4th's 09:00 tick (it runs today) must behave as if it ran on March 4th.
    result = dunning.dunning_run(datetime(2024, 3, 4, 9, 0, tzinfo=UTC), None)

    assert result == {"as_of": "2024-03-04", "reminded": 2}
    assert sent(dbos_env) == expected_reminders(["2024-03-04"])


@pytest.mark.parametrize("day", [date(2024, 3, 4), date(2024, 3, 6)])
def test_a_backfilled_day_reminds_as_of_that_day_each_invoice_once(dbos_env: Path, day: date) -> None:
    results = dunning.backfill(day, day)

    assert results == expected_results(day, day)
    assert sent(dbos_env) == expected_reminders([day.isoformat()])


def test_backfill_runs_every_day_of_the_range_once(dbos_env: Path) -> None:
    results = dunning.backfill(MAR_1, MAR_6)

    assert results == expected_results(MAR_1, MAR_6)  # every day, oldest first
    assert sent(dbos_env) == expected_reminders(days(MAR_1, MAR_6))


def test_backfill_does_not_rerun_a_day_the_scheduler_already_ran(dbos_env: Path) -> None:
    # Before the outage the scheduler fired March 4th's 09:00 tick: DBOS creates exactly that scheduled run,
    # under the scheduler's own workflow id.
    handles = list(
        DBOS.backfill_schedule(
            dunning.SCHEDULE_NAME, datetime(2024, 3, 4, tzinfo=UTC), datetime(2024, 3, 5, tzinfo=UTC)
        )
    )
    assert len(handles) == 1
    assert handles[0].get_result() == {"as_of": "2024-03-04", "reminded": 2}
    assert sent(dbos_env) == expected_reminders(["2024-03-04"])

    # After the outage, ops backfill a range that covers March 4th.
    results = dunning.backfill(MAR_1, MAR_6)

    assert results == expected_results(MAR_1, MAR_6)
    assert sent(dbos_env) == expected_reminders(days(MAR_1, MAR_6))  # March 4th reminded once, not twice


def test_running_the_same_backfill_twice_reminds_nobody_twice(dbos_env: Path) -> None:
    first = dunning.backfill(MAR_1, MAR_6)
    second = dunning.backfill(MAR_1, MAR_6)

    assert first == second == expected_results(MAR_1, MAR_6)
    assert sent(dbos_env) == expected_reminders(days(MAR_1, MAR_6))


def test_an_overlapping_backfill_only_runs_the_new_days(dbos_env: Path) -> None:
    dunning.backfill(MAR_1, MAR_6)
    results = dunning.backfill(MAR_5, MAR_8)

    assert results == expected_results(MAR_5, MAR_8)
    assert sent(dbos_env) == expected_reminders(days(MAR_1, MAR_8))


def test_the_same_backfill_after_a_restart_reminds_nobody_twice(dbos_env: Path) -> None:
    first = dunning.backfill(MAR_1, MAR_6)
    relaunch()
    second = dunning.backfill(MAR_1, MAR_6)

    assert first == second == expected_results(MAR_1, MAR_6)
    assert sent(dbos_env) == expected_reminders(days(MAR_1, MAR_6))


@pytest.fixture()
def wiped_database(reminder_log: Path) -> Iterator[Path]:
    """A freshly wiped system database, with no DBOS running in this process (the CLI runs its own)."""
    DBOS.destroy()
    DBOS(config=dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()  # recreates the schema
    DBOS.destroy()
    yield reminder_log
    DBOS.destroy()


def run_backfill_command(first: str, last: str) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "dunning.py", "backfill", first, last],
        cwd=ROOT,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("[")]
    assert lines, proc.stdout
    return json.loads(lines[-1])


def test_the_backfill_command_run_twice_reminds_nobody_twice(wiped_database: Path) -> None:
    first = run_backfill_command("2024-03-01", "2024-03-06")
    second = run_backfill_command("2024-03-01", "2024-03-06")

    assert first == second == expected_results(MAR_1, MAR_6)
    assert sent(wiped_database) == expected_reminders(days(MAR_1, MAR_6))
