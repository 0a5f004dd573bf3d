"""Apply a carrier manifest (goods received and shipped) to the warehouse stock.

    python process_manifest.py manifests/<manifest>.json

For every line: journal the stock movement and update the level (one commit per line), then print the
shelf label with the new on-hand quantity. Prints a JSON summary at the end.

The job is a durable DBOS workflow keyed by the manifest name: re-running a manifest after a crash
finishes what is missing, and re-running a finished manifest changes nothing. Each line's stock update
runs in a DBOS datasource transaction, which commits the DBOS checkpoint in the same database
transaction as the stock movement, so a kill right after the commit never applies that line twice.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import db
import inventory_service
import labels
from db import SessionLocal

# Datasources must be created before DBOS.launch(). The warehouse tables live in db.database_url().
ds = SQLAlchemyDatasource.create(db.database_url())


def load_manifest(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["lines"]


@DBOS.step()
def read_manifest(path: str) -> list[dict]:
    return load_manifest(path)


@ds.transaction()
def apply_line(reference: str, sku: str, quantity: int) -> int:
    """One line, one database transaction; the DBOS checkpoint commits with it (exactly once)."""
    return inventory_service.apply_move(ds.sql_session(), reference, sku, quantity)


@DBOS.step()
def print_label(reference: str, sku: str, on_hand: int) -> None:
    labels.print_label(reference, sku, on_hand)


@DBOS.workflow()
def apply_manifest(manifest: str, path: str) -> dict:
    lines = read_manifest(path)
    for line in lines:
        level = apply_line(line["ref"], line["sku"], line["qty"])
        print_label(line["ref"], line["sku"], level)
    return {"manifest": manifest, "lines": len(lines), "net_units": sum(line["qty"] for line in lines)}


def manifest_workflow_id(path: str) -> str:
    return f"manifest-{Path(path).stem}"


def process(path: str) -> dict:
    """Run (or resume, or return the result of) the manifest's workflow. DBOS must be launched."""
    with SetWorkflowID(manifest_workflow_id(path)):
        return apply_manifest(Path(path).stem, path)


def main() -> None:
    config: DBOSConfig = {
        "name": "warehouse-manifests",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    with SessionLocal() as session, session.begin():
        inventory_service.create_schema(session)
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(process(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
