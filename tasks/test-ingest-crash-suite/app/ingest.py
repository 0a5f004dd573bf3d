"""Ingest a carrier's delivery export into our warehouse management system (WMS).

    python ingest.py exports/<date>.json

The batch id is the export file's name without `.json`. Every delivered shipment in the export is posted
to the WMS exactly once, even if the job dies half-way and cron runs it again; running an export that was
already ingested posts nothing and prints the same summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import wms


def dbos_config() -> DBOSConfig:
    return {
        "name": "carrier-ingest",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "ingest-7",
    }


@DBOS.step()
def read_export(path: str) -> list[dict]:
    return json.loads(Path(path).read_text())["shipments"]


@DBOS.step()
def post_delivery(batch_id: str, shipment: dict) -> str:
    return wms.post_delivery(shipment["tracking_no"], shipment["order_id"], shipment["delivered_at"], batch_id)


@DBOS.workflow()
def ingest_batch(batch_id: str, path: str) -> dict:
    shipments = read_export(path)
    receipts = [post_delivery(batch_id, s) for s in shipments if s["status"] == "delivered"]
    return {"batch_id": batch_id, "posted": len(receipts), "skipped": len(shipments) - len(receipts)}


def ingest(path: str) -> dict:
    batch_id = Path(path).stem
    with SetWorkflowID(f"ingest-{batch_id}"):
        return ingest_batch(batch_id, path)


def main() -> None:
    DBOS(config=dbos_config())
    DBOS.launch()
    print(json.dumps(ingest(sys.argv[1])))


if __name__ == "__main__":
    main()
