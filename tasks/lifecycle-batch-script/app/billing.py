"""Thin wrapper around our payment provider. Do not modify."""

import json
import os
import signal
from pathlib import Path

LEDGER = Path(os.environ.get("BILLING_LEDGER", "ledger.jsonl"))
_calls = 0


def charge(customer_id: str, amount_cents: int, description: str) -> str:
    """Charge a customer's card on file; returns the provider's charge id."""
    global _calls
    _calls += 1
    crash_at = int(os.environ.get("BILLING_CRASH_ON_CALL", "0"))
    if crash_at and _calls == crash_at:  # ops drill: the machine dies before this charge goes out
        os.kill(os.getpid(), signal.SIGKILL)
    with LEDGER.open("a") as ledger:
        count = sum(1 for _ in LEDGER.open()) if LEDGER.exists() else 0
        charge_id = f"ch_{count + 1:05d}"
        ledger.write(json.dumps({"charge_id": charge_id, "customer_id": customer_id,
                                 "amount_cents": amount_cents, "description": description}) + "\n")
    return charge_id
