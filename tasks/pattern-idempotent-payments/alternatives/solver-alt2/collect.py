"""Collect the payment requests the billing system drops for us (JSON lines, one request per line).

    python collect.py <requests.jsonl>          (needs DBOS_SYSTEM_DATABASE_URL)

For every request we charge the customer's card, book the payment in the journal and email a receipt.
The billing system gives every request an idempotency key. Prints a summary of the file.

Each request is a durable DBOS workflow whose ID is derived from its idempotency key
(``payment-<idempotency_key>``), so a key is charged, booked and receipted at most once, whichever file (or
line, or re-run) it comes from. If a run crashes, running the file again recovers the interrupted payment
from its checkpoints (the card is not charged again) and finishes the rest of the file.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import bookkeeping
import mailer
import psp


@DBOS.step()
def charge_card(customer_id: str, amount_cents: int, statement_descriptor: str) -> dict:
    """One PSP charge. A declined card is a recorded outcome, not an error."""
    try:
        return {"status": "captured", "charge_id": psp.charge(customer_id, amount_cents, statement_descriptor)}
    except psp.CardDeclined as exc:
        return {"status": "declined", "reason": str(exc)}


@DBOS.step()
def book_payment(invoice_id: str, charge_id: str, amount_cents: int) -> None:
    bookkeeping.post_entry(invoice_id, charge_id, amount_cents)


@DBOS.step()
def send_receipt(email: str, invoice_id: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_receipt(email, invoice_id, charge_id, amount_cents)


@DBOS.workflow()
def collect_payment(request: dict) -> dict:
    key = request["idempotency_key"]
    outcome = charge_card(request["customer_id"], request["amount_cents"], f"ACME* {request['invoice_id']}")
    if outcome["status"] == "declined":
        return {"idempotency_key": key, "status": "declined", "reason": outcome["reason"]}
    charge_id = outcome["charge_id"]
    book_payment(request["invoice_id"], charge_id, request["amount_cents"])
    send_receipt(request["email"], request["invoice_id"], charge_id, request["amount_cents"])
    return {"idempotency_key": key, "status": "captured", "charge_id": charge_id}


def payment_workflow_id(idempotency_key: str) -> str:
    return f"payment-{idempotency_key}"


def start_payment(request: dict) -> WorkflowHandle[dict]:
    """Start the request's payment workflow, or attach to the one already started for its idempotency key."""
    workflow_id = payment_workflow_id(request["idempotency_key"])
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished earlier (returns its recorded outcome) or interrupted (recovered by DBOS.launch()).
        return DBOS.retrieve_workflow(workflow_id)
    with SetWorkflowID(workflow_id):
        return DBOS.start_workflow(collect_payment, request)


def collect_file(path: str) -> dict:
    """Collect every request of the file; DBOS must be launched."""
    requests = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    outcomes: dict[str, dict] = {}
    amounts: dict[str, int] = {}
    results = []
    for request in requests:
        key = request["idempotency_key"]
        if key not in outcomes:  # the billing system sometimes lists a request twice
            outcomes[key] = start_payment(request).get_result()
            amounts[key] = request["amount_cents"]
        results.append(outcomes[key])
    captured = [key for key, outcome in outcomes.items() if outcome["status"] == "captured"]
    return {
        "file": os.path.basename(path),
        "results": results,
        "captured": len(captured),
        "captured_cents": sum(amounts[key] for key in captured),
        "declined": sum(1 for outcome in outcomes.values() if outcome["status"] == "declined"),
    }


def main(path: str) -> None:
    config: DBOSConfig = {
        "name": "payment-collector",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = collect_file(path)
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main(sys.argv[1])
