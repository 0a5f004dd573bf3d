"""Export a legacy table to the analytics warehouse.

    python exporter.py <export-id> <table>

A durable DBOS workflow (workflow id `export-<export-id>`): reads the table page by page, transforms each row
and publishes it, in table order, on the workflow's `rows` stream for the analytics side (`consume.py`), closes
the stream, then archives the snapshot (slow: ARCHIVE_S seconds, default 300).

If the exporter is killed, re-running the same command continues the export: rows already published are not
published again (stream writes from the workflow are checkpointed), and the rest is published in order.
"""

import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import source_db

PAGE_SIZE = 5
STREAM_KEY = "rows"


def workflow_id_for(export_id: str) -> str:
    return f"export-{export_id}"


def transform(row: dict) -> dict:
    return {"id": row["id"], "amount": row["amount_cents"] / 100}


@DBOS.step()
def count_pages(table: str) -> int:
    return (source_db.row_count(table) + PAGE_SIZE - 1) // PAGE_SIZE


@DBOS.step()
def read_page(table: str, page: int) -> list[dict]:
    return [transform(row) for row in source_db.read_rows(table, page, PAGE_SIZE)]


@DBOS.step()
def archive_snapshot() -> None:
    time.sleep(float(os.environ.get("ARCHIVE_S", "300")))  # archive the snapshot


@DBOS.workflow()
def export(export_id: str, table: str) -> int:
    published = 0
    for page in range(count_pages(table)):
        for row in read_page(table, page):
            DBOS.write_stream(STREAM_KEY, row)
            published += 1
    DBOS.close_stream(STREAM_KEY)  # the analytics side is done as soon as the last row is published
    archive_snapshot()
    return published


def run(export_id: str, table: str) -> int:
    workflow_id = workflow_id_for(export_id)
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(export, export_id, table)
    else:
        # Finished (returns the recorded result) or interrupted: DBOS recovers interrupted workflows on launch,
        # so wait for that execution instead of starting a concurrent one.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "exporter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "exporter-1",
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        run(sys.argv[1], sys.argv[2])
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
