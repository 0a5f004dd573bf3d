"""Export a legacy table for the analytics side.

    python exporter.py <export-id> <table>

A DBOS workflow (id `export-<export-id>`) reads the table page by page, transforms the rows and publishes
them in order on its `rows` stream, closes the stream, then archives the snapshot. Rows are written to the
stream by the workflow, after the page's step has returned: a workflow's stream writes are checkpointed, so
a re-run after a crash does not publish a row twice (a write from inside a step would be repeated when the
step is re-executed). `consume.py` reads the stream.
"""

import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import source_db

PAGE_SIZE = 5
STREAM = "rows"


def transform(row: dict) -> dict:
    return {"id": row["id"], "amount": row["amount_cents"] / 100}


def workflow_id(export_id: str) -> str:
    return f"export-{export_id}"


@DBOS.step()
def row_count(table: str) -> int:
    return source_db.row_count(table)


@DBOS.step()
def read_page(table: str, page: int) -> list[dict]:
    return [transform(row) for row in source_db.read_rows(table, page, PAGE_SIZE)]


@DBOS.step()
def archive_snapshot(table: str) -> None:
    time.sleep(float(os.environ.get("ARCHIVE_S", "300")))


@DBOS.workflow()
def export_table(table: str) -> int:
    pages = (row_count(table) + PAGE_SIZE - 1) // PAGE_SIZE
    published = 0
    for page in range(pages):
        for row in read_page(table, page):
            DBOS.write_stream(STREAM, row)
            published += 1
    archive_snapshot(table)
    return published


def main() -> None:
    config: DBOSConfig = {
        "name": "legacy-exporter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "exporter-2",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        with SetWorkflowID(workflow_id(sys.argv[1])):
            export_table(sys.argv[2])
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
