"""Client for our shipping provider. Do not modify."""

import json
import os
from pathlib import Path

LOG = Path(os.environ.get("SHIPPING_LOG", "shipments.jsonl"))


def ship(order_id: str, address: str) -> None:
    """Book a parcel pickup. Every call ships a parcel."""
    with LOG.open("a") as log:
        log.write(json.dumps({"order_id": order_id, "address": address}) + "\n")
