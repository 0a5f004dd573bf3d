"""Durable versions of the partner API calls for the nightly jobs.

Jobs import `fetch_changes` and `push` from here instead of from `services`: inside a job's DBOS workflow
each call is a durable step, so when a night is resumed after a crash the records already fetched are
replayed and the records already pushed are not pushed again. Outside a workflow they behave exactly like
the `services` functions.
"""

from dbos import DBOS

import services

_fetch_changes = services.fetch_changes
_push = services.push


@DBOS.step()
def fetch_changes(source: str, day: str) -> list[dict]:
    return _fetch_changes(source, day)


@DBOS.step()
def push(system: str, day: str, record: dict) -> None:
    _push(system, day, record)
