"""Push a month's approved invoices from our billing export into Ledgerly (the accounting system).

Invoices are pushed by a pool of 2 threads (Ledgerly's limit on calls in flight). The batch is a workflow
whose id is the batch id: a sync killed part-way is recovered when the command runs again, and a finished
batch only returns its summary.

usage: python sync_invoices.py exports/2024-06.json
"""

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import ledgerly

LEDGERLY_MAX_IN_FLIGHT = 2


def load_batch(path: str) -> dict:
    batch = json.loads(Path(path).read_text())
    for invoice in batch["invoices"]:
        if invoice["amount_cents"] <= 0:
            raise ValueError(f"{invoice['id']}: invoices must have a positive amount")
    return batch


@DBOS.step()
def push_to_ledgerly(invoice: dict) -> str:
    return ledgerly.push_invoice(invoice)


@DBOS.workflow()
def sync_batch(batch: dict) -> dict:
    invoices = batch["invoices"]
    # Ledgerly allows 2 calls in flight: two worker threads.
    with ThreadPoolExecutor(max_workers=LEDGERLY_MAX_IN_FLIGHT) as pool:
        ledgerly_ids = dict(zip((i["id"] for i in invoices), pool.map(push_to_ledgerly, invoices)))
    return {"batch_id": batch["batch_id"], "synced": len(ledgerly_ids), "ledgerly_ids": ledgerly_ids}


def main() -> None:
    batch = load_batch(sys.argv[1])
    config: DBOSConfig = {
        "name": "invoice-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.06",
    }
    DBOS(config=config)
    DBOS.launch()
    with SetWorkflowID(f"invoice-sync-{batch['batch_id']}"):
        summary = sync_batch(batch)
    print(json.dumps(summary))
    DBOS.destroy()


if __name__ == "__main__":
    main()
