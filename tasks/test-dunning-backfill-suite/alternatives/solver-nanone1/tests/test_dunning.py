"""Behaviour of the dunning job (``dunning.py``), pinned down before its refactoring.

Runs against the Postgres database in ``DBOS_SYSTEM_DATABASE_URL``, which belongs to this suite: every test
starts from a wiped DBOS system database (whatever earlier runs left behind), so runs behave the same.
Reminders are read back from the mailer's log (``REMINDER_LOG``), one file per test.
"""

import json
import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dbos import DBOS  # noqa: E402

import dunning  # noqa: E402

CALL_TIMEOUT = 45  # seconds; a hung run must fail its test, not eat CI's 3 minutes

CUSTOMERS = {"inv-101": "acme", "inv-102": "bluebird", "inv-103": "cobalt", "inv-104": "delta",
             "inv-105": "ember", "inv-106": "fjord"}

# Unpaid invoices due strictly before the day (invoices.json): inv-103 is paid, inv-106 is due in 2030.
OVERDUE = {
    "2024-03-01": [],
    "2024-03-02": ["inv-101"],
    "2024-03-03": ["inv-101"],  # inv-102 is due that very day: not overdue yet
    "2024-03-04": ["inv-101", "inv-102"],
    "2024-03-05": ["inv-101", "inv-102"],  # inv-104 is due that very day
    "2024-03-06": ["inv-101", "inv-102", "inv-104"],
    "2024-03-21": ["inv-101", "inv-102", "inv-104", "inv-105"],
}


# --------------------------------------------------------------------------------------------------- helpers

def _config() -> dict:
    return {
        "name": "dunning",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dunning-3",
    }


def _destroy_dbos() -> None:
    try:
        DBOS.destroy()
    except Exception:
        pass


def _wipe_system_database() -> None:
    """Start from an empty DBOS system database, whatever earlier runs (even killed ones) left behind."""
    DBOS(config=_config())
    try:
        DBOS.reset_system_database()
        return
    except Exception:
        pass
    finally:
        _destroy_dbos()
    # Fallback: drop DBOS's schema in the suite's own database.
    import sqlalchemy as sa

    url = sa.engine.make_url(os.environ["DBOS_SYSTEM_DATABASE_URL"]).set(drivername="postgresql+psycopg")
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS dbos CASCADE"))
    finally:
        engine.dispose()


def _within_timeout(fn, *args):
    """Call ``fn(*args)``, failing the test (instead of hanging CI) if it does not return in time."""
    box: dict = {}

    def target() -> None:
        try:
            box["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the test's thread
            box["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(CALL_TIMEOUT)
    if thread.is_alive():
        pytest.fail(f"{getattr(fn, '__name__', fn)}{args} did not finish within {CALL_TIMEOUT}s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _backfill(first: str, last: str) -> list[dict]:
    return _within_timeout(dunning.backfill, date.fromisoformat(first), date.fromisoformat(last))


def _scheduler_ran(day: str) -> list[dict]:
    """The scheduler's own 09:00 tick of ``day``, under the scheduler's workflow id (as if it ran that day)."""
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC)

    def run() -> list[dict]:
        return [h.get_result() for h in DBOS.backfill_schedule(dunning.SCHEDULE_NAME, start,
                                                               start + timedelta(days=1))]

    return _within_timeout(run)


def _days(first: str, last: str) -> list[str]:
    day, end = date.fromisoformat(first), date.fromisoformat(last)
    out = []
    while day <= end:
        out.append(day.isoformat())
        day += timedelta(days=1)
    return out


def _expected(days: list[str]) -> list[tuple[str, str, str]]:
    return sorted((inv, CUSTOMERS[inv], day) for day in days for inv in OVERDUE[day])


def _reminders(log: Path) -> list[tuple[str, str, str]]:
    """Every reminder sent (sorted), except a real 09:00 tick of today's schedule firing during the test."""
    if not log.exists():
        return []
    today = datetime.now(UTC).date().isoformat()
    sent = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    return sorted((r["invoice_id"], r["customer"], r["as_of"]) for r in sent if r["as_of"] != today)


def _assert_each_once(reminders: list[tuple[str, str, str]]) -> None:
    duplicates = {key: n for key, n in Counter(reminders).items() if n > 1}
    assert not duplicates, f"reminded more than once: {duplicates}"


# --------------------------------------------------------------------------------------------------- fixture

@pytest.fixture
def reminder_log(tmp_path, monkeypatch):
    """A launched dunning app (as ``dunning.launch()`` does it) on a wiped database; yields the reminder log."""
    monkeypatch.chdir(ROOT)  # invoices.json is read from the working directory
    log = tmp_path / "reminders.jsonl"
    monkeypatch.setenv("REMINDER_LOG", str(log))
    _destroy_dbos()
    _wipe_system_database()
    dunning.launch()
    yield log
    _destroy_dbos()


# ------------------------------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("day", ["2024-03-01", "2024-03-03", "2024-03-06", "2024-03-21"])
def test_a_days_run_reminds_exactly_what_is_overdue_as_of_that_day(reminder_log, day):
    tick = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=UTC).replace(hour=9)
    result = _within_timeout(dunning.dunning_run, tick, None)
    assert result == {"as_of": day, "reminded": len(OVERDUE[day])}
    assert _reminders(reminder_log) == _expected([day])


def test_a_late_run_behaves_as_if_it_ran_on_its_own_day(reminder_log):
    # Run long after March 4th: still reminds what was overdue on March 4th, dated March 4th.
    tick = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    assert _within_timeout(dunning.dunning_run, tick, None) == {"as_of": "2024-03-04", "reminded": 2}
    assert _reminders(reminder_log) == [("inv-101", "acme", "2024-03-04"), ("inv-102", "bluebird", "2024-03-04")]


def test_a_backfilled_day_behaves_as_if_it_ran_on_that_day(reminder_log):
    assert _backfill("2024-03-04", "2024-03-04") == [{"as_of": "2024-03-04", "reminded": 2}]
    assert _reminders(reminder_log) == [("inv-101", "acme", "2024-03-04"), ("inv-102", "bluebird", "2024-03-04")]


def test_backfill_runs_every_day_of_the_range_once(reminder_log):
    days = _days("2024-03-01", "2024-03-06")
    results = _backfill("2024-03-01", "2024-03-06")
    assert results == [{"as_of": day, "reminded": len(OVERDUE[day])} for day in days]  # oldest first
    reminders = _reminders(reminder_log)
    _assert_each_once(reminders)
    assert reminders == _expected(days)


def test_backfill_range_bounds_are_inclusive(reminder_log):
    results = _backfill("2024-03-05", "2024-03-06")
    assert [r["as_of"] for r in results] == ["2024-03-05", "2024-03-06"]
    assert _reminders(reminder_log) == _expected(["2024-03-05", "2024-03-06"])


def test_backfill_does_not_rerun_a_day_the_scheduler_already_ran(reminder_log):
    # Before the outage, the scheduler ran its 09:00 tick of March 3rd and 4th.
    assert _scheduler_ran("2024-03-03") == [{"as_of": "2024-03-03", "reminded": 1}]
    assert _scheduler_ran("2024-03-04") == [{"as_of": "2024-03-04", "reminded": 2}]
    before = _reminders(reminder_log)
    assert before == _expected(["2024-03-03", "2024-03-04"])

    # After the outage, ops backfill a range that covers those days.
    days = _days("2024-03-01", "2024-03-06")
    results = _backfill("2024-03-01", "2024-03-06")
    assert results == [{"as_of": day, "reminded": len(OVERDUE[day])} for day in days]  # recorded or new
    reminders = _reminders(reminder_log)
    _assert_each_once(reminders)
    assert reminders == _expected(days)
    new = list((Counter(reminders) - Counter(before)).elements())
    assert sorted(new) == _expected(["2024-03-01", "2024-03-02", "2024-03-05", "2024-03-06"])


def test_running_the_same_backfill_twice_reminds_nobody_twice(reminder_log):
    first = _backfill("2024-03-01", "2024-03-06")
    after_first = _reminders(reminder_log)
    second = _backfill("2024-03-01", "2024-03-06")
    assert second == first
    reminders = _reminders(reminder_log)
    assert reminders == after_first
    _assert_each_once(reminders)
    assert reminders == _expected(_days("2024-03-01", "2024-03-06"))


def test_overlapping_backfills_remind_nobody_twice(reminder_log):
    _backfill("2024-03-01", "2024-03-04")
    _backfill("2024-03-03", "2024-03-06")
    reminders = _reminders(reminder_log)
    _assert_each_once(reminders)
    assert reminders == _expected(_days("2024-03-01", "2024-03-06"))


def test_backfill_command_twice_reminds_nobody_twice(reminder_log):
    env = {**os.environ, "REMINDER_LOG": str(reminder_log)}

    def run_command() -> list[dict]:
        done = subprocess.run([sys.executable, "dunning.py", "backfill", "2024-03-04", "2024-03-06"], cwd=ROOT,
                              env=env, capture_output=True, text=True, timeout=CALL_TIMEOUT)
        assert done.returncode == 0, done.stderr
        lines = [line for line in done.stdout.splitlines() if line.strip().startswith("[")]
        assert lines, done.stdout
        return json.loads(lines[-1])

    expected = [{"as_of": day, "reminded": len(OVERDUE[day])} for day in _days("2024-03-04", "2024-03-06")]
    assert run_command() == expected
    assert run_command() == expected
    reminders = _reminders(reminder_log)
    _assert_each_once(reminders)
    assert reminders == _expected(_days("2024-03-04", "2024-03-06"))
