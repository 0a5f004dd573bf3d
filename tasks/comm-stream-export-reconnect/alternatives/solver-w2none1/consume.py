"""Load an export's rows into the analytics warehouse (the analytics-box side).

    python consume.py <export-id>

Follows the rows the exporter (`exporter.py`, workflow `export-<export-id>`) publishes on its `rows` stream
and loads each one with `sink.load`, in table order. It never touches the source database.

Restart-safe: the rows of the export already in the warehouse (`sink.loaded`) are the ones consumed so far,
so a restarted consumer skips that many rows of the stream and continues with the next one. Dropped
connections are retried. Exits 0 as soon as the last row of the export (the exporter publishes the row
count as the event `total_rows`) is loaded, without waiting for the exporter's archiving.
"""

import os
import sys
import time

from dbos import DBOSClient

import sink

STREAM_KEY = "rows"
TOTAL_EVENT = "total_rows"
RETRY_DELAY_S = 1.0
FAILED_STATUSES = ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED")


def workflow_id(export_id: str) -> str:
    return f"export-{export_id}"


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def _export_status(client: DBOSClient, wf_id: str):
    for status in client.list_workflows(workflow_ids=[wf_id]):
        if status.workflow_id == wf_id:
            return status.status
    return None


def _total_rows(client: DBOSClient, wf_id: str) -> int:
    while True:
        total = client.get_event(wf_id, TOTAL_EVENT, timeout_seconds=10)
        if total is not None:
            return int(total)


def consume(export_id: str) -> int:
    wf_id = workflow_id(export_id)
    client = None
    try:
        while True:
            try:
                if client is None:
                    client = _client()
                total = _total_rows(client, wf_id)
                done = sink.loaded(export_id)
                if done >= total:
                    return 0
                index = 0
                for row in client.read_stream(wf_id, STREAM_KEY):
                    if index >= done:
                        sink.load(export_id, row)
                        done += 1
                        if done >= total:
                            return 0
                    index += 1
                # The stream ended before the last row: the export stopped. If it failed for good there
                # is nothing more to wait for; otherwise (e.g. the exporter was killed) wait for the re-run.
                if _export_status(client, wf_id) in FAILED_STATUSES:
                    print(f"export {export_id} failed before all rows were published", file=sys.stderr)
                    return 1
            except Exception as exc:  # dropped connection: reconnect and continue where we left off
                print(f"consume {export_id}: {exc!r}; retrying", file=sys.stderr)
                if client is not None:
                    try:
                        client.destroy()
                    except Exception:
                        pass
                    client = None
            time.sleep(RETRY_DELAY_S)
    finally:
        if client is not None:
            client.destroy()


if __name__ == "__main__":
    sys.exit(consume(sys.argv[1]))
