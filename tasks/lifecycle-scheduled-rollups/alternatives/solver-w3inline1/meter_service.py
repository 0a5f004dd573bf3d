"""The metering service: rolls up the usage of every period when it ends.

Runs as a long-lived service (systemd starts it with ``python meter_service.py``). At every tick of
``ROLLUP_CRON`` it writes the rollup of the period that just ended, labelled with the tick's time.

The schedule lives in DBOS (the system database in ``DBOS_SYSTEM_DATABASE_URL``): every tick runs as one
workflow with the deterministic ID ``sched-<schedule>-<tick>``, so however many copies of the service are
running, each tick is rolled up exactly once; with automatic backfill, ticks missed while the service was
down are rolled up (one workflow per missed tick) when it starts again.
"""

import logging
import os
import sys
import threading
from datetime import datetime, timezone
from typing import Any

from dbos import DBOS, DBOSConfig

import schedule
import usage_store

log = logging.getLogger("meter_service")

SCHEDULE_NAME = "usage-rollup"


@DBOS.step()
def roll_up(period_end: datetime) -> None:
    row = usage_store.rollup(period_end)
    log.info("rolled up %s: %s units", row["period_end"], row["units"])


@DBOS.workflow()
def rollup_tick(scheduled_at: datetime, context: Any) -> None:
    # The tick's own time (not the time this run happens, which may be late or a catch-up).
    period_end = scheduled_at
    if period_end.tzinfo is None:
        period_end = period_end.replace(tzinfo=timezone.utc)  # the schedule is evaluated in UTC
    roll_up(period_end.astimezone(timezone.utc))


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    cron = schedule.rollup_cron()
    config: DBOSConfig = {
        "name": "meter-service",
        "system_database_url": system_database_url(),
        # Pinned: old and new copies of the service (during a deploy) share the schedule and recover
        # each other's unfinished rollups.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.apply_schedules(
        [
            {
                "schedule_name": SCHEDULE_NAME,
                "workflow_fn": rollup_tick,
                "schedule": cron,
                "automatic_backfill": True,  # after downtime, roll up every missed tick
            }
        ]
    )
    log.info("rolling up on schedule %r (UTC)", cron)
    try:
        threading.Event().wait()  # serve until stopped
    except KeyboardInterrupt:
        pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
