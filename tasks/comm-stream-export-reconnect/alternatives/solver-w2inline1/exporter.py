"""Export a legacy table to the analytics warehouse (the legacy side).

    python exporter.py <export-id> <table>

A durable DBOS workflow (id `export-<export-id>`): reads the table page by page, transforms each row and
publishes it, in table order, on the workflow's `rows` stream for the analytics side (`consume.py`), closes
the stream, then archives the snapshot (slow: ARCHIVE_S seconds, default 300).

Every published row is checkpointed, so if the exporter is killed, re-running the same command continues
the export where it stopped: no row is published twice and none is skipped.
"""

import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import source_db

PAGE_SIZE = 5
ROWS_STREAM = "rows"


def export_workflow_id(export_id: str) -> str:
    return f"export-{export_id}"


def transform(row: dict) -> dict:
    return {"id": row["id"], "amount": row["amount_cents"] / 100}


@DBOS.step()
def row_count(table: str) -> int:
    return source_db.row_count(table)


@DBOS.step()
def read_page(table: str, page: int) -> list[dict]:
    """Read and transform one page; its rows are published by the workflow once the page is recorded."""
    return [transform(row) for row in source_db.read_rows(table, page, PAGE_SIZE)]


@DBOS.step()
def archive_snapshot(table: str) -> None:
    time.sleep(float(os.environ.get("ARCHIVE_S", "300")))  # archive the snapshot


@DBOS.workflow()
def export_table(export_id: str, table: str) -> int:
    pages = (row_count(table) + PAGE_SIZE - 1) // PAGE_SIZE
    published = 0
    for page in range(pages):
        for row in read_page(table, page):
            DBOS.write_stream(ROWS_STREAM, row)  # checkpointed: written once, in order
            published += 1
    DBOS.close_stream(ROWS_STREAM)  # the consumer is done here; it doesn't wait for the archiving
    archive_snapshot(table)
    return published


def export(export_id: str, table: str) -> int:
    """Run (or continue, or return the result of) the export. DBOS must be launched."""
    with SetWorkflowID(export_workflow_id(export_id)):
        return export_table(export_id, table)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit("usage: exporter.py <export-id> <table>")
    config: DBOSConfig = {
        "name": "legacy-exporter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "exporter-1"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        export(sys.argv[1], sys.argv[2])
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
