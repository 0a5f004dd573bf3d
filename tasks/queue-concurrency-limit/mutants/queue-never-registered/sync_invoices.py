"""Push a month's approved invoices from our billing export into Ledgerly (the accounting system).

Each invoice is pushed by its own workflow on the "ledgerly" DBOS queue, which lets at most 2 of them run
at once (Ledgerly's limit on calls in flight). The batch is a workflow whose id is the batch id: a sync
killed part-way is recovered when the command runs again, and a finished batch only returns its summary.

usage: python sync_invoices.py exports/2024-06.json
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import ledgerly

LEDGERLY_QUEUE = "ledgerly"


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
def sync_invoice(invoice: dict) -> str:
    return push_to_ledgerly(invoice)


@DBOS.workflow()
def sync_batch(batch: dict) -> dict:
    invoices = batch["invoices"]
    handles = [DBOS.enqueue_workflow(LEDGERLY_QUEUE, sync_invoice, invoice) for invoice in invoices]
    ledgerly_ids = {invoice["id"]: handle.get_result() for invoice, handle in zip(invoices, handles)}
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
