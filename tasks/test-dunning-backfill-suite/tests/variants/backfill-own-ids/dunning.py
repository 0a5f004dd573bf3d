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
from dbos import DBOS, DBOSConfig, SetWorkflowID

SCHEDULE_NAME = "daily-dunning"


@DBOS.step()
def overdue_invoices(as_of: str) -> list[dict]:
    invoices = json.loads(Path("invoices.json").read_text())
    return [i for i in invoices if not i["paid"] and i["due"] < as_of]


@DBOS.step()
def remind(invoice: dict, as_of: str) -> None:
    mailer.send_reminder(invoice["id"], invoice["customer"], as_of)


@DBOS.workflow()
def dunning_run(scheduled_at: datetime, context: Any) -> dict:
    """One day's run; ``scheduled_at`` is the tick's time, so a late or backfilled run uses its own day."""
    as_of = scheduled_at.date().isoformat()
    overdue = overdue_invoices(as_of)
    for invoice in overdue:
        remind(invoice, as_of)
    return {"as_of": as_of, "reminded": len(overdue)}


def apply_schedule() -> None:
    """Declare the daily schedule (after ``DBOS.launch()``; safe on every start)."""
    DBOS.apply_schedules([{"schedule_name": SCHEDULE_NAME, "workflow_fn": dunning_run, "schedule": "0 9 * * *"}])


def backfill(first_day: date, last_day: date) -> list[dict]:
    """Run the daily ticks from ``first_day`` to ``last_day`` (inclusive), each under an id of its own so that
    a repeated backfill does not run a day again. Returns each day's result, oldest first."""
    results = []
    day = first_day
    while day <= last_day:
        with SetWorkflowID(f"dunning-backfill-{day.isoformat()}"):
            results.append(dunning_run(datetime.combine(day, time(9), tzinfo=UTC), None))
        day += timedelta(days=1)
    return results


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
