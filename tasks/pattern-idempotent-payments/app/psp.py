"""Client for our card processor (PSP). Do not modify.

Our PSP contract has no idempotency keys: every `charge` call is a new charge on the customer's card.
"""

import json
import os
import time
from pathlib import Path

CHARGES = Path(os.environ.get("PSP_CHARGES", "psp_charges.jsonl"))


class CardDeclined(Exception):
    pass


def charge(customer_id: str, amount_cents: int, statement_descriptor: str) -> str:
    """Charge the customer's default card; returns the charge id."""
    time.sleep(0.05)
    if customer_id.startswith("cus_expired"):
        raise CardDeclined(f"card of {customer_id} expired")
    existing = CHARGES.read_text().splitlines() if CHARGES.exists() else []
    charge_id = f"ch_{len(existing) + 1:06d}"
    with CHARGES.open("a") as log:
        log.write(json.dumps({"charge_id": charge_id, "customer_id": customer_id, "amount_cents": amount_cents,
                              "descriptor": statement_descriptor}) + "\n")
    return charge_id
