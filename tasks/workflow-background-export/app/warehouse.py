"""Read-only client for the analytics warehouse. Do not modify. Queries are slow (one month ≈ a quarter second)."""

import json
import os
import time
import zlib
from pathlib import Path

QUERY_LOG = Path(os.environ.get("WAREHOUSE_QUERY_LOG", "warehouse_queries.jsonl"))
PRODUCTS = ("api_calls", "storage_gb", "seats")


def query_usage(account_id: str, month: str) -> list[dict]:
    """Usage of one account in one month (`YYYY-MM`): one row per billed product."""
    time.sleep(0.25)
    rows = []
    for product in PRODUCTS:
        seed = zlib.crc32(f"{account_id}/{month}/{product}".encode())
        rows.append({"account_id": account_id, "month": month, "product": product, "quantity": seed % 5000})
    with QUERY_LOG.open("a") as log:
        log.write(json.dumps({"account_id": account_id, "month": month}) + "\n")
    return rows
