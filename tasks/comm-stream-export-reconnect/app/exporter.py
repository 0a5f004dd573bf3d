"""Export a legacy table to the analytics warehouse.

    python exporter.py <export-id> <table>

Reads the table page by page, transforms each row and loads it into the warehouse, then archives the
snapshot (slow: ARCHIVE_S seconds, default 300).
"""

import os
import sys
import time

import sink
import source_db

PAGE_SIZE = 5


def transform(row: dict) -> dict:
    return {"id": row["id"], "amount": row["amount_cents"] / 100}


def export(export_id: str, table: str) -> None:
    pages = (source_db.row_count(table) + PAGE_SIZE - 1) // PAGE_SIZE
    for page in range(pages):
        for row in source_db.read_rows(table, page, PAGE_SIZE):
            sink.load(export_id, transform(row))
    time.sleep(float(os.environ.get("ARCHIVE_S", "300")))  # archive the snapshot


if __name__ == "__main__":
    export(sys.argv[1], sys.argv[2])
