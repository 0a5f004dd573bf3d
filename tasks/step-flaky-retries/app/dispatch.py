"""Dispatch a pick wave: buy a shipping label for every order in the wave, record it in the shipments
ledger and tell the customer.

    python dispatch.py <wave-id>
"""

import json
import logging
import sys
import time
from pathlib import Path

import psycopg

import carrier
import notify
import shipments_db

log = logging.getLogger("dispatch")


def load_wave(wave_id: str) -> list[dict]:
    return json.loads(Path("waves.json").read_text())[wave_id]


def create_label_with_retries(order: dict) -> str:
    # The carrier's API drops out a lot; keep trying until it answers.
    attempt = 0
    while True:
        attempt += 1
        try:
            return carrier.create_label(order["order_id"], order["address"], order["weight_grams"])
        except carrier.CarrierUnavailable as exc:
            log.warning("carrier unavailable for %s (attempt %d): %s", order["order_id"], attempt, exc)
            time.sleep(1)


def record_shipment(wave_id: str, order: dict, tracking: str) -> None:
    with psycopg.connect(shipments_db.database_url(), autocommit=True) as conn:
        conn.execute(shipments_db.SCHEMA)
        conn.execute(shipments_db.RECORD_SHIPMENT, {"wave_id": wave_id, "order_id": order["order_id"],
                                                    "tracking_number": tracking,
                                                    "weight_grams": order["weight_grams"]})


def dispatch_wave(wave_id: str) -> dict:
    shipped = []
    for order in load_wave(wave_id):
        tracking = create_label_with_retries(order)
        record_shipment(wave_id, order, tracking)
        notify.shipped(order["email"], order["order_id"], tracking)
        shipped.append({"order_id": order["order_id"], "tracking_number": tracking})
    return {"wave_id": wave_id, "shipped": shipped}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(json.dumps(dispatch_wave(sys.argv[1])))
