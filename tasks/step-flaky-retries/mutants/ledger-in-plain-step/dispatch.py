"""Dispatch a pick wave: buy a shipping label for every order in the wave, record it in the shipments
ledger and tell the customer.

    python dispatch.py <wave-id>

Each wave is a DBOS workflow (its id is the wave id), so a wave interrupted by a crash resumes where it
stopped when the command is run again, and labels already bought are not bought twice. The carrier call
is a step that DBOS retries with exponential backoff; after 4 failed attempts the wave fails. The ledger
row is written by a transaction of a DBOS datasource on the warehouse database: the row and DBOS's record of
it commit together, so a label is recorded exactly once even if the process dies right after the commit.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import psycopg

import carrier
import notify
import shipments_db

@DBOS.step()
def create_ledger() -> None:
    with psycopg.connect(shipments_db.database_url(), autocommit=True) as conn:
        conn.execute(shipments_db.SCHEMA)


@DBOS.step()
def record_shipment(wave_id: str, order: dict, tracking: str) -> None:
    with psycopg.connect(shipments_db.database_url(), autocommit=True) as conn:
        conn.execute(shipments_db.RECORD_SHIPMENT, {
        "wave_id": wave_id, "order_id": order["order_id"], "tracking_number": tracking,
        "weight_grams": order["weight_grams"]})


@DBOS.step()
def load_wave(wave_id: str) -> list[dict]:
    return json.loads(Path("waves.json").read_text())[wave_id]


@DBOS.step(retries_allowed=True, max_attempts=4, interval_seconds=0.25, backoff_rate=2.0)
def create_label(order: dict) -> str:
    return carrier.create_label(order["order_id"], order["address"], order["weight_grams"])


@DBOS.step()
def notify_shipped(order: dict, tracking: str) -> None:
    notify.shipped(order["email"], order["order_id"], tracking)


@DBOS.workflow()
def dispatch_wave_workflow(wave_id: str) -> dict:
    shipped = []
    for order in load_wave(wave_id):
        tracking = create_label(order)
        record_shipment(wave_id, order, tracking)
        notify_shipped(order, tracking)
        shipped.append({"order_id": order["order_id"], "tracking_number": tracking})
    return {"wave_id": wave_id, "shipped": shipped}


def dispatch_wave(wave_id: str) -> dict:
    with SetWorkflowID(f"dispatch-{wave_id}"):
        return dispatch_wave_workflow(wave_id)


def main() -> None:
    config: DBOSConfig = {
        "name": "dispatch",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        create_ledger()
        summary = dispatch_wave(sys.argv[1])
    except error.DBOSMaxStepRetriesExceeded as exc:
        print(f"wave {sys.argv[1]} failed: the carrier is unavailable ({exc})", file=sys.stderr)
        sys.exit(1)
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
