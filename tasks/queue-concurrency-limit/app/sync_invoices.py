"""Push a month's approved invoices from our billing export into Ledgerly (the accounting system).

usage: python sync_invoices.py exports/2024-06.json
"""

import json
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import ledgerly


def load_batch(path: str) -> dict:
    batch = json.loads(Path(path).read_text())
    for invoice in batch["invoices"]:
        if invoice["amount_cents"] <= 0:
            raise ValueError(f"{invoice['id']}: invoices must have a positive amount")
    return batch


def sync_batch(batch: dict) -> dict:
    invoices = batch["invoices"]
    with ThreadPoolExecutor(max_workers=8) as pool:
        ledgerly_ids = list(pool.map(ledgerly.push_invoice, invoices))
    return {
        "batch_id": batch["batch_id"],
        "synced": len(ledgerly_ids),
        "ledgerly_ids": dict(zip((i["id"] for i in invoices), ledgerly_ids)),
    }


if __name__ == "__main__":
    print(json.dumps(sync_batch(load_batch(sys.argv[1]))))
