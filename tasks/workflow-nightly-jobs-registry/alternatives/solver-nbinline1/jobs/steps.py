"""Durable calls to the partner systems, for the nightly jobs (not a job itself).

Jobs import `fetch_changes` and `push` from here instead of from `services`: each call is a DBOS step, so
when the nightly sync is re-run after a crash, the records a job already pushed are not pushed again (their
checkpoints are replayed) and the job continues with the next record.
"""

import services
from dbos import DBOS


@DBOS.step(name="services.fetch_changes")
def fetch_changes(source: str, day: str) -> list[dict]:
    return services.fetch_changes(source, day)


@DBOS.step(name="services.push")
def push(system: str, day: str, record: dict) -> None:
    # Billed and not idempotent: never retried automatically.
    services.push(system, day, record)
