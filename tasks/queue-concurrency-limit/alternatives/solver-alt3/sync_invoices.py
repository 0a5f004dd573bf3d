"""Push a month's approved invoices from our billing export into Ledgerly (the accounting system).

usage: DBOS_SYSTEM_DATABASE_URL=postgresql://... python sync_invoices.py exports/2024-06.json

The sync of a batch is a durable DBOS workflow (ID ``invoice-sync-<batch_id>``). It enqueues one child
workflow per invoice on the ``ledgerly`` queue, whose global concurrency of 2 keeps at most 2 Ledgerly
calls in flight across all workers. Every push is a checkpointed step: re-running a killed sync finishes
it without pushing anything twice, and re-running a finished batch just returns its recorded summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import ledgerly

LEDGERLY_QUEUE = "ledgerly"
LEDGERLY_MAX_IN_FLIGHT = 2  # Ledgerly's terms: at most 2 API calls in flight per account


def load_batch(path: str) -> dict:
    batch = json.loads(Path(path).read_text())
    for invoice in batch["invoices"]:
        if invoice["amount_cents"] <= 0:
            raise ValueError(f"{invoice['id']}: invoices must have a positive amount")
    return batch


def register_queues() -> None:
    """Call after DBOS.launch()."""
    DBOS.register_queue(LEDGERLY_QUEUE, global_concurrency=LEDGERLY_MAX_IN_FLIGHT)


@DBOS.step()
def push_to_ledgerly(invoice: dict) -> str:
    return ledgerly.push_invoice(invoice)


@DBOS.workflow()
def push_invoice_workflow(invoice: dict) -> str:
    return push_to_ledgerly(invoice)


@DBOS.workflow()
def sync_batch_workflow(batch: dict) -> dict:
    invoices = batch["invoices"]
    # One child workflow per invoice; the queue bounds how many run at once.
    handles = [DBOS.enqueue_workflow(LEDGERLY_QUEUE, push_invoice_workflow, invoice) for invoice in invoices]
    ledgerly_ids = [handle.get_result() for handle in handles]
    return {
        "batch_id": batch["batch_id"],
        "synced": len(ledgerly_ids),
        "ledgerly_ids": dict(zip((i["id"] for i in invoices), ledgerly_ids)),
    }


def sync_workflow_id(batch_id: str) -> str:
    return f"invoice-sync-{batch_id}"


def sync_batch(batch: dict) -> dict:
    """Syncs the batch once (or resumes / returns the recorded result). DBOS must be launched."""
    register_queues()
    workflow_id = sync_workflow_id(batch["batch_id"])
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished before (recorded summary) or interrupted and being resumed by DBOS recovery:
        # wait for that execution instead of starting a second one.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(sync_batch_workflow, batch)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python sync_invoices.py <batch-file>")
    batch = load_batch(sys.argv[1])
    config: DBOSConfig = {
        "name": "ledgerly-sync",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    register_queues()
    try:
        summary = sync_batch(batch)
        print(json.dumps(summary), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
