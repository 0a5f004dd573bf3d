"""Export a legacy table to the analytics warehouse (the legacy-box side).

    python exporter.py <export-id> <table>

A durable DBOS workflow (id `export-<export-id>`): reads the table page by page (one checkpointed step per
page), transforms each row and publishes it, in table order, on the workflow's `rows` stream for the
analytics side (`consume.py`), then closes the stream and archives the snapshot (slow: ARCHIVE_S seconds,
default 300). The number of rows is published first as the workflow event `total_rows`.

Every publication is a checkpoint of the workflow, so re-running the same command after a crash continues
the export: the rows already published are not published again and none is skipped.
"""

import os
import sys
import time

from dbos import DBOS, DBOSConfig, SetWorkflowID

import source_db

PAGE_SIZE = 5
STREAM_KEY = "rows"
TOTAL_EVENT = "total_rows"


def workflow_id(export_id: str) -> str:
    return f"export-{export_id}"


def transform(row: dict) -> dict:
    return {"id": row["id"], "amount": row["amount_cents"] / 100}


@DBOS.step()
def count_rows(table: str) -> int:
    return source_db.row_count(table)


@DBOS.step()
def read_page(table: str, page: int) -> list[dict]:
    return [transform(row) for row in source_db.read_rows(table, page, PAGE_SIZE)]


@DBOS.step()
def archive() -> None:
    time.sleep(float(os.environ.get("ARCHIVE_S", "300")))  # archive the snapshot


@DBOS.workflow()
def export(export_id: str, table: str) -> int:
    total = count_rows(table)
    DBOS.set_event(TOTAL_EVENT, total)
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    for page in range(pages):
        for row in read_page(table, page):
            DBOS.write_stream(STREAM_KEY, row)
    DBOS.close_stream(STREAM_KEY)
    archive()
    return total


def run(export_id: str, table: str) -> int:
    wf_id = workflow_id(export_id)
    if DBOS.get_workflow_status(wf_id) is not None:
        # Started before (and killed, or finished): DBOS recovery, started by DBOS.launch(), continues a
        # killed export; wait for it rather than running a second execution of the same workflow.
        return DBOS.retrieve_workflow(wf_id).get_result()
    with SetWorkflowID(wf_id):
        return export(export_id, table)


def main() -> None:
    config: DBOSConfig = {
        "name": "exporter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "exporter-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        run(sys.argv[1], sys.argv[2])
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
