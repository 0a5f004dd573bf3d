"""Client for the warehouse's stock API. Do not modify."""

import json
import os
from pathlib import Path

LOG = Path(os.environ.get("INVENTORY_LOG", "inventory.jsonl"))


def _record(order_id: str, action: str, items: list[str] | None = None) -> None:
    with LOG.open("a") as log:
        log.write(json.dumps({"order_id": order_id, "action": action, "items": items or []}) + "\n")


def reserve(order_id: str, items: list[str]) -> None:
    """Hold the items for the order. Every call holds another set of items."""
    _record(order_id, "reserve", items)


def release(order_id: str) -> None:
    """Give the order's held items back to stock."""
    _record(order_id, "release")
