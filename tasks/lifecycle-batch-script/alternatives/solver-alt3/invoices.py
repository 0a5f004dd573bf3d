"""Monthly invoicing: charge every active customer for their plan, then email a receipt.

Each batch is a durable DBOS workflow with the workflow ID ``invoice-batch-<batch_id>``. Every charge and
every receipt is a checkpointed step, so re-running a batch after a crash resumes it where it stopped, and
re-running a finished batch just returns its recorded summary.

Usage: DBOS_SYSTEM_DATABASE_URL=postgresql://... python invoices.py <batch-id>
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import billing
import mailer

PRICES_CENTS = {"basic": 900, "pro": 2900, "enterprise": 9900}


@DBOS.step()
def load_customers() -> list[dict]:
    customers = json.loads(Path("customers.json").read_text())
    return [c for c in customers if c["active"]]


def invoice_amount(customer: dict) -> int:
    return PRICES_CENTS[customer["plan"]] * customer["seats"]


@DBOS.step()
def charge_customer(customer_id: str, amount_cents: int, description: str) -> str:
    return billing.charge(customer_id, amount_cents, description)


@DBOS.step()
def send_receipt(customer_id: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_receipt(customer_id, charge_id, amount_cents)


@DBOS.workflow()
def invoice_batch(batch_id: str) -> dict:
    total = 0
    customers = load_customers()
    for customer in customers:
        amount = invoice_amount(customer)
        charge_id = charge_customer(customer["id"], amount, f"{batch_id} subscription")
        send_receipt(customer["id"], charge_id, amount)
        total += amount
    return {"batch_id": batch_id, "charged": len(customers), "total_cents": total}


def batch_workflow_id(batch_id: str) -> str:
    return f"invoice-batch-{batch_id}"


def run_batch(batch_id: str) -> dict:
    """Runs (or resumes, or returns the result of) the batch. DBOS must already be launched."""
    workflow_id = batch_workflow_id(batch_id)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Already started: either finished (recorded summary) or being resumed by DBOS recovery
        # after a crash. Wait for that execution instead of starting a second one.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(invoice_batch, batch_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python invoices.py <batch-id>")
    config: DBOSConfig = {
        "name": "invoices",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_batch(sys.argv[1])
        print(json.dumps(summary))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
