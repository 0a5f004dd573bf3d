"""Shipping job: buy a carrier label for every order packed that day.

``run`` is a DBOS workflow registered under an explicit name (see ``jobs.settlement``).
"""

import json
from pathlib import Path

import services
from dbos import DBOS


@DBOS.step()
def load_batch(day: str) -> list[dict]:
    """The orders waiting for a label (cancelled orders are skipped)."""
    rows = json.loads(Path("data/shipments.json").read_text())
    return [r for r in rows if r["status"] == "packed"]


@DBOS.step()
def handle(day: str, row: dict) -> str:
    return services.buy_shipping_label(day, row["order_id"], row["weight_g"])


@DBOS.workflow()
def run(day: str) -> dict:
    batch = load_batch(day)
    tracking = [handle(day, row) for row in batch]
    return {"labels": len(tracking), "tracking": sorted(tracking)}
