"""The metering service: rolls up the usage of every period when it ends.

Runs as a long-lived service (systemd starts it with ``python meter_service.py``). The rollup is a DBOS
scheduled workflow: the schedule lives in the system database, every tick gets one workflow id however
many copies of the service run, and ``automatic_backfill`` enqueues the ticks missed while the service
was down. Each run is labelled with its tick (``scheduled_at``), never with the clock.
"""

import os
import threading
from datetime import datetime
from typing import Any

from dbos import DBOS, DBOSConfig

import schedule
import usage_store


@DBOS.step()
def write_rollup(period_end: datetime) -> dict:
    return usage_store.rollup(period_end)


@DBOS.workflow()
def roll_up(scheduled_at: datetime, context: Any) -> None:
    row = write_rollup(scheduled_at)
    DBOS.logger.info(f"rolled up {row['period_end']}: {row['units']} units")


def main() -> None:
    config: DBOSConfig = {
        "name": "meter-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.apply_schedules([{
        "schedule_name": "usage-rollup",
        "workflow_fn": roll_up,
        "schedule": schedule.rollup_cron(),
        "automatic_backfill": True,
    }])
    threading.Event().wait()  # serve until stopped


if __name__ == "__main__":
    main()
