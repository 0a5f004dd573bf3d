"""The metering service: rolls up the usage of every period when it ends.

Runs as a long-lived service (systemd starts it with ``python meter_service.py``). At every tick of
``ROLLUP_CRON`` it writes the rollup of the period that just ended, labelled with the tick's time.

Durability (DBOS):
- Every tick is rolled up by a DBOS workflow whose ID is derived from the tick's time, so a tick is never
  rolled up twice, and a rollup interrupted by a crash is finished by DBOS recovery on the next start.
- Only one copy of the service schedules at a time: a copy first takes a Postgres advisory lock (released
  automatically when the holding process dies), and only then launches DBOS. During a deploy the new copy
  waits until the old one is gone, then takes over.
- The last tick that was scheduled is stored in Postgres. On start, every tick after it that has already
  passed (the service was down) is rolled up, one rollup per missed tick, and then the schedule carries on.
"""

import logging
import os
import sys
import time
from datetime import datetime, timezone
from typing import Optional

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, SetWorkflowID

import schedule
import usage_store

log = logging.getLogger("meter_service")

LEADER_LOCK_KEY = 0x6D65746572  # pg advisory lock key: "meter"
CURSOR_TABLE = "meter_service_rollup_cursor"
CURSOR_NAME = "rollup"
LOCK_POLL_S = 0.25


def roll_up(period_end: datetime) -> None:
    row = usage_store.rollup(period_end)
    log.info("rolled up %s: %s units", row["period_end"], row["units"])


@DBOS.step()
def rollup_step(period_end_iso: str) -> None:
    roll_up(datetime.fromisoformat(period_end_iso))


@DBOS.workflow()
def rollup_workflow(period_end_iso: str) -> None:
    rollup_step(period_end_iso)


def _tick_workflow_id(tick: datetime) -> str:
    return f"meter-rollup:{tick.astimezone(timezone.utc).isoformat()}"


def schedule_rollup(tick: datetime) -> None:
    """Start the rollup of ``tick`` unless it was already started (then it is done, or DBOS recovers it)."""
    tick = tick.astimezone(timezone.utc)
    workflow_id = _tick_workflow_id(tick)
    if DBOS.get_workflow_status(workflow_id) is not None:
        return
    with SetWorkflowID(workflow_id):
        DBOS.start_workflow(rollup_workflow, tick.isoformat())


def _database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


class Leader:
    """Holds the service-wide leader lock and the schedule cursor, on one dedicated Postgres session."""

    def __init__(self) -> None:
        url = sa.make_url(_database_url())
        if url.drivername in ("postgres", "postgresql"):
            url = url.set(drivername="postgresql+psycopg")
        self._engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        self._conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def acquire(self) -> None:
        """Block until this process is the only one scheduling rollups."""
        waiting_logged = False
        while True:
            got = self._conn.execute(
                sa.text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK_KEY}
            ).scalar_one()
            if got:
                break
            if not waiting_logged:
                log.info("another copy of the service is scheduling rollups; waiting to take over")
                waiting_logged = True
            time.sleep(LOCK_POLL_S)
        self._conn.execute(
            sa.text(
                f"CREATE TABLE IF NOT EXISTS {CURSOR_TABLE} ("
                " name TEXT PRIMARY KEY,"
                " last_tick TIMESTAMPTZ NOT NULL)"
            )
        )

    def check(self) -> None:
        """Make sure we still hold the lock (the session is alive); exit otherwise."""
        try:
            held = self._conn.execute(
                sa.text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted"
                    " AND pid = pg_backend_pid()"
                )
            ).scalar_one()
        except Exception:
            log.exception("lost the connection holding the leader lock")
            held = 0
        if not held:
            log.error("no longer the leader; exiting")
            sys.exit(1)

    def last_tick(self) -> Optional[datetime]:
        value = self._conn.execute(
            sa.text(f"SELECT last_tick FROM {CURSOR_TABLE} WHERE name = :name"), {"name": CURSOR_NAME}
        ).scalar_one_or_none()
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def set_last_tick(self, tick: datetime) -> None:
        self._conn.execute(
            sa.text(
                f"INSERT INTO {CURSOR_TABLE} (name, last_tick) VALUES (:name, :tick) "
                "ON CONFLICT (name) DO UPDATE SET last_tick = EXCLUDED.last_tick"
            ),
            {"name": CURSOR_NAME, "tick": tick.astimezone(timezone.utc)},
        )


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    cron = schedule.rollup_cron()

    leader = Leader()
    leader.acquire()  # only the leader launches DBOS, so only it recovers and runs rollups

    config: DBOSConfig = {
        "name": "meter-service",
        "system_database_url": _database_url(),
        "application_version": "meter-service-rollups-1",
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()  # recovers rollups interrupted when the previous leader died

    last = leader.last_tick()
    if last is None:  # first start ever: the schedule begins now
        last = datetime.now(timezone.utc)
        leader.set_last_tick(last)

    while True:
        tick = schedule.next_tick(last, cron).astimezone(timezone.utc)
        delay = (tick - datetime.now(timezone.utc)).total_seconds()
        if delay > 0:
            time.sleep(delay)
        leader.check()
        schedule_rollup(tick)
        leader.set_last_tick(tick)
        last = tick


if __name__ == "__main__":
    main()
