"""Load an export's rows into the analytics warehouse as the exporter publishes them.

    python consume.py <export-id>

Reads the exporter workflow's `rows` stream with a DBOS client, starting at the number of rows of this
export the warehouse already has, so a restarted consumer continues where it left off. Exits when the
exporter closes the stream.
"""

import os
import sys

from dbos import DBOSClient

import sink


def consume(export_id: str) -> int:
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        start = 0
        loaded = 0
        for row in client.read_stream(f"export-{export_id}", "rows", offset=start, polling_interval_sec=0.2):
            sink.load(export_id, row)
            loaded += 1
        return start + loaded
    finally:
        client.destroy()


if __name__ == "__main__":
    consume(sys.argv[1])
