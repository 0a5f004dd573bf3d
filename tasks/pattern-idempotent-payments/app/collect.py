"""Collect the payment requests the billing system drops for us (JSON lines, one request per line).

    python collect.py <requests.jsonl>

For every request we charge the customer's card, book the payment in the journal and email a receipt.
The billing system gives every request an idempotency key. Prints a summary of the file.
"""

import json
import os
import sys
from pathlib import Path

import bookkeeping
import mailer
import psp

STATS = {"captured_cents": 0, "captured": 0, "declined": 0}


def collect_payment(request: dict) -> dict:
    key = request["idempotency_key"]
    try:
        charge_id = psp.charge(request["customer_id"], request["amount_cents"],
                               f"ACME* {request['invoice_id']}")
    except psp.CardDeclined as exc:
        STATS["declined"] += 1
        return {"idempotency_key": key, "status": "declined", "reason": str(exc)}
    bookkeeping.post_entry(request["invoice_id"], charge_id, request["amount_cents"])
    mailer.send_receipt(request["email"], request["invoice_id"], charge_id, request["amount_cents"])
    STATS["captured"] += 1
    STATS["captured_cents"] += request["amount_cents"]
    return {"idempotency_key": key, "status": "captured", "charge_id": charge_id}


def collect_file(path: str) -> dict:
    requests = [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]
    done: dict[str, dict] = {}
    results = []
    for request in requests:
        key = request["idempotency_key"]
        if key not in done:  # the billing system sometimes lists a request twice
            done[key] = collect_payment(request)
        results.append(done[key])
    return {"file": os.path.basename(path), "results": results, **STATS}


if __name__ == "__main__":
    print(json.dumps(collect_file(sys.argv[1])))
