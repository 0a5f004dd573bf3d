"""Simulated payment provider (writes a ledger file)."""

import json
import os

LEDGER = os.environ.get("PAYMENTS_LEDGER", "payments.jsonl")


def charge(customer: str, cents: int, idempotency_key: str) -> str:
    with open(LEDGER, "a") as f:
        f.write(json.dumps({"customer": customer, "cents": cents, "key": idempotency_key}) + "\n")
    return f"ch_{idempotency_key}"
