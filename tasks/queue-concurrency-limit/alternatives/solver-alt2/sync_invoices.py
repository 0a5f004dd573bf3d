"""Push a month's approved invoices from our billing export into Ledgerly (the accounting system).

usage: python sync_invoices.py exports/2024-06.json          (needs DBOS_SYSTEM_DATABASE_URL)

The sync is a durable DBOS workflow with the ID ``invoice-sync-<batch_id>``. Every invoice push is its own
workflow on the ``ledgerly`` queue, which lets at most 2 of them (so at most 2 Ledgerly calls) run at once
across all workers. If the process is killed, running the same command again resumes the sync from its
checkpoints: pushed invoices are not pushed again, the rest are. A finished batch just prints its summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import ledgerly

LEDGERLY_QUEUE = "ledgerly"
MAX_CALLS_IN_FLIGHT = 2  # Ledgerly's limit per account


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
def push_invoice(invoice: dict) -> str:
    """One invoice: pushed to Ledgerly once; its Ledgerly id is checkpointed."""
    return push_to_ledgerly(invoice)


@DBOS.workflow()
def sync_batch(batch: dict) -> dict:
    invoices = batch["invoices"]
    # One child workflow per invoice on the rate-limited queue; the queue caps the calls in flight.
    handles = [DBOS.enqueue_workflow(LEDGERLY_QUEUE, push_invoice, invoice) for invoice in invoices]
    ledgerly_ids = [handle.get_result() for handle in handles]
    return {
        "batch_id": batch["batch_id"],
        "synced": len(ledgerly_ids),
        "ledgerly_ids": dict(zip((i["id"] for i in invoices), ledgerly_ids)),
    }


def register_queues() -> None:
    """Call right after DBOS.launch()."""
    DBOS.register_queue(LEDGERLY_QUEUE, global_concurrency=MAX_CALLS_IN_FLIGHT)


def start_sync(batch: dict) -> WorkflowHandle[dict]:
    """Start the batch's sync, or attach to the one already started (finished, or recovered after a crash)."""
    workflow_id = f"invoice-sync-{batch['batch_id']}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        return DBOS.retrieve_workflow(workflow_id)
    with SetWorkflowID(workflow_id):
        return DBOS.start_workflow(sync_batch, batch)


def main(path: str) -> None:
    batch = load_batch(path)
    config: DBOSConfig = {
        "name": "invoice-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        register_queues()
        summary = start_sync(batch).get_result()
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
