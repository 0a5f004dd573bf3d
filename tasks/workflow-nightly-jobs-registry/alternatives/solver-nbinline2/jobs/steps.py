"""Durable versions of the partner-API calls, for the nightly jobs.

Jobs import `fetch_changes` and `push` from here (not from `services`): each call is a DBOS step, so
when a night that died is re-run, the records already pushed are not pushed again. Called outside a
workflow (e.g. in a unit test of a job) they are plain calls.
"""

from dbos import DBOS

import services


@DBOS.step()
def fetch_changes(source: str, day: str) -> list[dict]:
    return services.fetch_changes(source, day)


@DBOS.step()
def push(system: str, day: str, record: dict) -> None:
    # Billed and not idempotent: no retries, and one step (one checkpoint) per record.
    services.push(system, day, record)
