"""Load an export into the analytics warehouse (the analytics side).

    python consume.py <export-id>

Follows the `rows` stream of the exporter's workflow (`export-<export-id>`, see exporter.py) through a
DBOSClient on DBOS_SYSTEM_DATABASE_URL and loads each row with `sink.load`, in table order. It never reads
the source or runs the export. It exits 0 as soon as the stream is closed, i.e. right after the last row,
without waiting for the exporter's archiving.

Restarts continue where the previous run left off: the warehouse itself says how many rows of the export
are loaded already, and reading resumes at that stream offset, so every row is loaded exactly once.
Dropped connections are retried in-process the same way.
"""

import os
import sys
import time

from dbos import DBOSClient

import sink

ROWS_STREAM = "rows"  # as in exporter.py
WAIT_FOR_EXPORT_S = float(os.environ.get("CONSUME_WAIT_FOR_EXPORT_S", "600"))
MAX_CONSECUTIVE_FAILURES = 30


def export_workflow_id(export_id: str) -> str:
    return f"export-{export_id}"  # as in exporter.py


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the exporter's system database")
    return url


def _wait_for_export(client: DBOSClient, workflow_id: str, deadline: float) -> bool:
    """The exporter may have been started a moment ago: wait until its workflow exists."""
    while True:
        if client.list_workflows(workflow_ids=[workflow_id], load_input=False, load_output=False):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(1.0)


def follow(client: DBOSClient, export_id: str) -> int:
    """Load every row of the export not loaded yet; returns how many rows this call loaded."""
    workflow_id = export_workflow_id(export_id)
    offset = sink.loaded(export_id)  # rows already in the warehouse, from earlier runs
    count = 0
    for row in client.read_stream(workflow_id, ROWS_STREAM, offset=offset):
        sink.load(export_id, row)
        count += 1
    return count


def consume(export_id: str) -> int:
    deadline = time.monotonic() + WAIT_FOR_EXPORT_S
    failures = 0
    url = system_database_url()
    while True:
        client = None
        try:
            client = DBOSClient(system_database_url=url)
            if not _wait_for_export(client, export_workflow_id(export_id), deadline):
                print(f"no export {export_id!r} found", file=sys.stderr)
                return 1
            follow(client, export_id)
            return 0
        except Exception as e:  # e.g. the connection dropped: reconnect and resume from the warehouse
            failures += 1
            if failures >= MAX_CONSECUTIVE_FAILURES:
                print(f"giving up on export {export_id!r}: {e}", file=sys.stderr)
                return 1
            print(f"connection problem ({e}); resuming", file=sys.stderr)
            time.sleep(min(2.0 * failures, 10.0))
        finally:
            if client is not None:
                client.destroy()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: consume.py <export-id>")
    sys.exit(consume(sys.argv[1]))


if __name__ == "__main__":
    main()
