"""Load an export's rows into the analytics warehouse, on the analytics box.

    python consume.py <export-id>

Follows the rows the exporter publishes on its workflow's `rows` stream (through the shared database,
DBOS_SYSTEM_DATABASE_URL) and loads each one with `sink.load`, in table order. Exits 0 as soon as the stream
is closed, i.e. the last row is loaded (it does not wait for the exporter's archiving).

Restartable: the rows of this export already in the warehouse are counted (`sink.loaded`) and that many rows
at the head of the stream are skipped, so every row is loaded exactly once across restarts (and dropped
connections, after which it reconnects and continues the same way).
"""

import os
import sys
import time

from dbos import DBOSClient

import sink

STREAM_KEY = "rows"
_POLL_S = 0.5
_MAX_RECONNECTS = 30


def workflow_id_for(export_id: str) -> str:
    return f"export-{export_id}"


def _follow(client: DBOSClient, export_id: str) -> int:
    workflow_id = workflow_id_for(export_id)
    # The exporter may not have registered its workflow yet.
    while not client.list_workflows(workflow_ids=[workflow_id]):
        time.sleep(_POLL_S)
    already_loaded = sink.loaded(export_id)
    loaded = 0
    for offset, row in enumerate(client.read_stream(workflow_id, STREAM_KEY)):
        if offset < already_loaded:
            continue
        sink.load(export_id, row)
        loaded += 1
    return loaded


def consume(export_id: str) -> int:
    attempt = 0
    while True:
        client = None
        try:
            client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
            return _follow(client, export_id)
        except Exception as exc:  # dropped connection: reconnect and continue where we left off
            attempt += 1
            if attempt > _MAX_RECONNECTS:
                raise
            print(f"consume: {type(exc).__name__}: {exc}; reconnecting", file=sys.stderr)
            time.sleep(min(5.0, _POLL_S * attempt))
        finally:
            if client is not None:
                try:
                    client.destroy()
                except Exception:
                    pass


def main() -> None:
    consume(sys.argv[1])


if __name__ == "__main__":
    main()
