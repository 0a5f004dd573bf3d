"""Collect the payment requests the billing system drops for us (JSON lines, one request per line).

    DBOS_SYSTEM_DATABASE_URL=postgresql://... python collect.py <requests.jsonl>

For every request we charge the customer's card, book the payment in the journal and email a receipt.
The billing system gives every request an idempotency key. Prints a summary of the file.

Each request is a durable DBOS workflow whose ID is derived from its idempotency key
(``payment-<idempotency_key>``), and the charge, the journal entry and the receipt are checkpointed steps.
So a key is charged, booked and receipted at most once, whichever file (or run) it shows up in; a run that
crashed half-way is finished by the next run of the file (DBOS recovers the interrupted workflow).
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import bookkeeping
import mailer
import psp


def payment_workflow_id(idempotency_key: str) -> str:
    return f"payment-{idempotency_key}"


# --- steps ---


@DBOS.step()
def charge_card(customer_id: str, amount_cents: int, statement_descriptor: str) -> dict:
    """Charges the card once. A declined card is a final outcome, recorded like a success."""
    try:
        return {"charge_id": psp.charge(customer_id, amount_cents, statement_descriptor)}
    except psp.CardDeclined as exc:
        return {"declined": str(exc)}


@DBOS.step()
def post_entry(invoice_id: str, charge_id: str, amount_cents: int) -> None:
    bookkeeping.post_entry(invoice_id, charge_id, amount_cents)


@DBOS.step()
def send_receipt(to: str, invoice_id: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_receipt(to, invoice_id, charge_id, amount_cents)


# --- workflow: one per idempotency key ---


@DBOS.workflow()
def collect_payment_workflow(request: dict) -> dict:
    key = request["idempotency_key"]
    outcome = charge_card(request["customer_id"], request["amount_cents"], f"ACME* {request['invoice_id']}")
    if "declined" in outcome:
        return {"idempotency_key": key, "status": "declined", "reason": outcome["declined"]}
    charge_id = outcome["charge_id"]
    post_entry(request["invoice_id"], charge_id, request["amount_cents"])
    send_receipt(request["email"], request["invoice_id"], charge_id, request["amount_cents"])
    return {"idempotency_key": key, "status": "captured", "charge_id": charge_id}


def collect_payment(request: dict) -> dict:
    """Collects one request at most once per idempotency key. DBOS must be launched."""
    workflow_id = payment_workflow_id(request["idempotency_key"])
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Seen before: finished (recorded outcome) or interrupted by a crash and being finished by
        # DBOS recovery. Wait for that execution instead of starting another one.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(collect_payment_workflow, request)
    return handle.get_result()


def collect_file(path: str) -> dict:
    requests = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    done: dict[str, dict] = {}
    amounts: dict[str, int] = {}
    results = []
    for request in requests:
        key = request["idempotency_key"]
        if key not in done:  # the billing system sometimes lists a request twice
            done[key] = collect_payment(request)
            amounts[key] = request["amount_cents"]
        results.append(done[key])
    captured = [key for key, result in done.items() if result["status"] == "captured"]
    return {
        "file": os.path.basename(path),
        "results": results,
        "captured": len(captured),
        "captured_cents": sum(amounts[key] for key in captured),
        "declined": sum(1 for result in done.values() if result["status"] == "declined"),
    }


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python collect.py <requests.jsonl>")
    config: DBOSConfig = {
        "name": "payment-collector",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(collect_file(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
