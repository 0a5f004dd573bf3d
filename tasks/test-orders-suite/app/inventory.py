"""Warehouse stock reservations (a stand-in for the warehouse API). Do not modify.

Every reservation and release is appended as one JSON line to the file named by INVENTORY_LOG.
"""

import json
import os
from pathlib import Path


def _log() -> Path:
    return Path(os.environ.get("INVENTORY_LOG", "inventory.jsonl"))


def reserve(order_id: str, items: dict[str, int]) -> str:
    reservation_id = f"rsv-{order_id}"
    with _log().open("a") as log:
        log.write(json.dumps({"event": "reserved", "reservation_id": reservation_id, "items": items}) + "\n")
    return reservation_id


def release(reservation_id: str) -> None:
    with _log().open("a") as log:
        log.write(json.dumps({"event": "released", "reservation_id": reservation_id}) + "\n")
