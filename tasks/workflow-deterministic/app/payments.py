"""Client for our card processor. Do not modify.

The processor honours idempotency keys: a second charge with a key it has already seen returns the first
charge instead of charging the card again.
"""

import json
import os
import signal
import time
from pathlib import Path

LEDGER = Path(os.environ.get("PAYMENTS_LEDGER", "ledger.jsonl"))


def charge(customer_id: str, amount_cents: int, idempotency_key: str) -> str:
    """Charge the customer's card on file; returns the processor's charge id."""
    time.sleep(0.05)  # network round trip
    charges = [json.loads(line) for line in LEDGER.read_text().splitlines()] if LEDGER.exists() else []
    for existing in charges:
        if existing["idempotency_key"] == idempotency_key:
            return existing["charge_id"]
    charge_id = f"ch_{len(charges) + 1:05d}"
    with LEDGER.open("a") as ledger:
        ledger.write(json.dumps({"charge_id": charge_id, "customer_id": customer_id,
                                 "amount_cents": amount_cents, "idempotency_key": idempotency_key}) + "\n")
    if os.environ.get("PAYMENTS_CRASH_AFTER_CHARGE"):
        # ops drill: the card is charged, but our box dies before the processor's response arrives
        os.kill(os.getpid(), signal.SIGKILL)
    return charge_id
