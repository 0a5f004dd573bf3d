"""Client for our payment gateway. Do not modify.

The gateway deduplicates by idempotency key: a `create_charge` with a key it has already seen (in the last
24 hours) does not charge again and returns the original charge. A call with a new key is a new charge.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

CHARGES = Path(os.environ.get("GATEWAY_CHARGES", "gateway_charges.jsonl"))
_calls = 0
_lock = threading.Lock()  # one connection to the gateway: calls are handled one at a time


def create_charge(idempotency_key: str, customer_id: str, amount_cents: int, description: str) -> str:
    """Charge the customer's card on file; returns the charge id."""
    global _calls
    with _lock:
        _calls += 1
        return _create_charge(idempotency_key, customer_id, amount_cents, description)


def _create_charge(idempotency_key: str, customer_id: str, amount_cents: int, description: str) -> str:
    time.sleep(0.05)  # network round trip
    existing = [json.loads(line) for line in CHARGES.read_text().splitlines()] if CHARGES.exists() else []
    for charge in existing:
        if charge["idempotency_key"] == idempotency_key:
            return charge["charge_id"]
    charge_id = f"ch_{len(existing) + 1:06d}"
    with CHARGES.open("a") as log:
        log.write(json.dumps({"charge_id": charge_id, "idempotency_key": idempotency_key,
                              "customer_id": customer_id, "amount_cents": amount_cents,
                              "description": description}) + "\n")
    # Ops drill: the card is charged, but our machine dies before the gateway's response reaches us.
    if _calls == int(os.environ.get("GATEWAY_CRASH_AFTER_CALL", "0")):
        time.sleep(0.5)  # (what else was in flight on the machine gets to finish)
        os.kill(os.getpid(), signal.SIGKILL)
    return charge_id
