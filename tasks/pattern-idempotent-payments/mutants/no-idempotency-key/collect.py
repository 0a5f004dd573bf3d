"""Collect the payment requests the billing system drops for us (JSON lines, one request per line).

    python collect.py <requests.jsonl>

For every request we charge the customer's card, book the payment in the journal and email a receipt.
The billing system gives every request an idempotency key. Prints a summary of the file.

Each payment is a DBOS workflow, so a payment interrupted by a crash is finished by the next run.
The charge step retries the PSP's 503s (up to 4 attempts, backing off from 0.1 s) and never a decline.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig

import bookkeeping
import mailer
import psp


def psp_unavailable(exc: BaseException) -> bool:
    """Only a 503 is retried: nothing was charged. A decline is final and reaches the workflow as itself."""
    return isinstance(exc, psp.PSPUnavailable)


@DBOS.step(retries_allowed=True, max_attempts=4, interval_seconds=0.1, backoff_rate=2.0,
           should_retry=psp_unavailable)
def charge_card(request: dict) -> str:
    return psp.charge(request["customer_id"], request["amount_cents"], f"ACME* {request['invoice_id']}")


@DBOS.step()
def book_payment(request: dict, charge_id: str) -> None:
    bookkeeping.post_entry(request["invoice_id"], charge_id, request["amount_cents"])


@DBOS.step()
def send_receipt(request: dict, charge_id: str) -> None:
    mailer.send_receipt(request["email"], request["invoice_id"], charge_id, request["amount_cents"])


@DBOS.workflow()
def collect_payment(request: dict) -> dict:
    key = request["idempotency_key"]
    try:
        charge_id = charge_card(request)
    except psp.CardDeclined as exc:
        return {"idempotency_key": key, "status": "declined", "reason": str(exc)}
    book_payment(request, charge_id)
    send_receipt(request, charge_id)
    return {"idempotency_key": key, "status": "captured", "charge_id": charge_id,
            "amount_cents": request["amount_cents"]}


def collect(request: dict) -> dict:
    return collect_payment(request)


def collect_file(path: str) -> dict:
    requests = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    outcomes: dict[str, dict] = {}
    results = []
    for request in requests:
        key = request["idempotency_key"]
        if key not in outcomes:  # the billing system sometimes lists a request twice
            outcomes[key] = collect(request)
        outcome = outcomes[key]
        results.append({k: v for k, v in outcome.items() if k != "amount_cents"})
    captured = [o for o in outcomes.values() if o["status"] == "captured"]
    return {"file": os.path.basename(path), "results": results,
            "captured_cents": sum(o["amount_cents"] for o in captured), "captured": len(captured),
            "declined": sum(1 for o in outcomes.values() if o["status"] == "declined")}


def main() -> None:
    config: DBOSConfig = {
        "name": "payment-collector",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(collect_file(sys.argv[1])))


if __name__ == "__main__":
    main()
