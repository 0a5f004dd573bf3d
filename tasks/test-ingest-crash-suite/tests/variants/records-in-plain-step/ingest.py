"""Ingest a carrier's delivery export into our warehouse database (`warehouse.deliveries`).

    python ingest.py exports/<date>.json

The batch id is the export file's name without `.json`. Every delivered shipment in the export is recorded
exactly once, even if the job dies half-way and cron runs it again: each row is written in a datasource
transaction, which commits the row and the workflow's checkpoint of it together. Running an export that was
already ingested records nothing and prints the same summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource
from sqlalchemy.orm import Session

import warehouse

DATABASE_URL = os.environ["DBOS_SYSTEM_DATABASE_URL"]  # DBOS and the warehouse tables share one database
warehouse.ensure_database(DATABASE_URL)
ds = SQLAlchemyDatasource.create(DATABASE_URL)


def dbos_config() -> DBOSConfig:
    return {
        "name": "carrier-ingest",
        "system_database_url": DATABASE_URL,
        "application_version": "ingest-8",
    }


@DBOS.step()
def read_export(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["shipments"]


@DBOS.step()
def record_delivery(batch_id: str, shipment: dict) -> int:
    with Session(ds.engine) as session, session.begin():
        return warehouse.record_delivery(session, batch_id, shipment)


@DBOS.workflow()
def ingest_batch(batch_id: str, path: str) -> dict:
    shipments = read_export(path)
    rows = [record_delivery(batch_id, s) for s in shipments if s["status"] == "delivered"]
    return {"batch_id": batch_id, "recorded": len(rows), "skipped": len(shipments) - len(rows)}


def ingest(path: str) -> dict:
    batch_id = Path(path).stem
    with SetWorkflowID(f"ingest-{batch_id}"):
        return ingest_batch(batch_id, path)


def main() -> None:
    warehouse.create_tables(ds.engine)
    DBOS(config=dbos_config())
    DBOS.launch()
    print(json.dumps(ingest(sys.argv[1])))


if __name__ == "__main__":
    main()
