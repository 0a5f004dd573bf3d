"""The metering service: rolls up the usage of every period when it ends.

Runs as a long-lived service (systemd starts it with ``python meter_service.py``). At every tick of
``ROLLUP_CRON`` it writes the rollup of the period that just ended, labelled with the tick's time.
"""

import logging
import time
from datetime import datetime, timezone

import schedule
import usage_store

log = logging.getLogger("meter_service")


def roll_up(period_end: datetime) -> None:
    row = usage_store.rollup(period_end)
    log.info("rolled up %s: %s units", row["period_end"], row["units"])


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    cron = schedule.rollup_cron()
    while True:
        tick = schedule.next_tick(datetime.now(timezone.utc), cron)
        time.sleep(max(0.0, (tick - datetime.now(timezone.utc)).total_seconds()))
        roll_up(tick)


if __name__ == "__main__":
    main()
