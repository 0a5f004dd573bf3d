"""Monthly invoicing: charge every active customer for their plan, then email a receipt.

usage: python invoices.py <batch-id>

Each batch is a durable DBOS workflow (ID ``invoices-<batch-id>``) checkpointed in the system database named
by ``DBOS_SYSTEM_DATABASE_URL``. Every charge and every receipt is a step, recorded once: re-running a batch
that died half-way finishes it without charging anyone twice, and re-running a finished batch only returns
its recorded summary.

Importing this module only registers the workflow and steps; DBOS is configured and launched by `main()`
(or by whatever program imports the module and then calls `run_batch`).
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
def charge(customer_id: str, amount_cents: int, description: str) -> str:
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
        charge_id = charge(customer["id"], amount, f"{batch_id} subscription")
        send_receipt(customer["id"], charge_id, amount)
        total += amount
    return {"batch_id": batch_id, "charged": len(customers), "total_cents": total}


def batch_workflow_id(batch_id: str) -> str:
    return f"invoices-{batch_id}"


def run_batch(batch_id: str) -> dict:
    """Runs (or resumes, or looks up) the batch; DBOS must already be configured and launched."""
    workflow_id = batch_workflow_id(batch_id)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: either finished (its summary is returned as recorded) or interrupted,
        # in which case DBOS.launch() recovers it. Wait for it instead of starting a second execution.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(invoice_batch, batch_id)
    return handle.get_result()


def main(batch_id: str) -> None:
    config: DBOSConfig = {
        "name": "invoices",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run_batch(batch_id)))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main(sys.argv[1])
