"""Client for the warehouse management system. Do not modify."""

import json
import os
from pathlib import Path

RESERVATIONS = Path(os.environ.get("WAREHOUSE_RESERVATIONS", "reservations.jsonl"))


def reserve(order_id: str, items: list[dict], placed_at: str) -> None:
    """Hold stock for an order; the warehouse picks orders in `placed_at` order."""
    with RESERVATIONS.open("a") as out:
        out.write(json.dumps({"order_id": order_id, "skus": [i["sku"] for i in items],
                              "quantities": [i["qty"] for i in items], "placed_at": placed_at}) + "\n")
