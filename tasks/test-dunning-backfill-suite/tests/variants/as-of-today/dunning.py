"""Dunning: every day at 09:00 UTC, remind each customer whose invoice is overdue as of that day.

``python dunning.py serve`` runs the daily schedule. After an outage, ``python dunning.py backfill FIRST LAST``
(dates, inclusive) runs the days the scheduler missed; a day that already ran is not run again.
"""

import json
import os
import sys
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import mailer
from dbos import DBOS, DBOSConfig

SCHEDULE_NAME = "daily-dunning"


@DBOS.step()
def overdue_invoices(as_of: str) -> list[dict]:
    invoices = json.loads(Path("invoices.json").read_text())
    return [i for i in invoices if not i["paid"] and i["due"] < as_of]


@DBOS.step()
def remind(invoice: dict, as_of: str) -> None:
    mailer.send_reminder(invoice["id"], invoice["customer"], as_of)


@DBOS.step()
def today() -> str:
    return datetime.now(UTC).date().isoformat()


@DBOS.workflow()
def dunning_run(scheduled_at: datetime, context: Any) -> dict:
    """One day's run."""
    as_of = today()
    overdue = overdue_invoices(as_of)
    for invoice in overdue:
        remind(invoice, as_of)
    return {"as_of": as_of, "reminded": len(overdue)}


def apply_schedule() -> None:
    """Declare the daily schedule (after ``DBOS.launch()``; safe on every start)."""
    DBOS.apply_schedules([{"schedule_name": SCHEDULE_NAME, "workflow_fn": dunning_run, "schedule": "0 9 * * *"}])


def backfill(first_day: date, last_day: date) -> list[dict]:
    """Run the daily ticks from ``first_day`` to ``last_day`` (inclusive) that have not run yet, under the
    scheduler's own workflow ids, so a day the scheduler already ran is not run again. Returns each day's
    result (recorded or new), oldest first."""
    start = datetime.combine(first_day, time(0), tzinfo=UTC)
    end = datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=UTC)
    return [handle.get_result() for handle in DBOS.backfill_schedule(SCHEDULE_NAME, start, end)]


def launch() -> None:
    config: DBOSConfig = {
        "name": "dunning",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "dunning-3",
    }
    DBOS(config=config)
    DBOS.launch()
    apply_schedule()


def main(argv: list[str]) -> int:
    if argv[:1] == ["serve"]:
        launch()
        threading.Event().wait()
    if len(argv) == 3 and argv[0] == "backfill":
        launch()
        print(json.dumps(backfill(date.fromisoformat(argv[1]), date.fromisoformat(argv[2]))))
        DBOS.destroy()
        return 0
    print("usage: dunning.py serve | dunning.py backfill FIRST_DAY LAST_DAY", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
