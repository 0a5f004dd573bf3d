"""Card payments (a stand-in for the payment provider). Do not modify.

Approved charges are appended as one JSON line to the file named by PAYMENTS_LEDGER. The test card token
"tok_declined" is always declined; every other token is approved.
"""

import json
import os
from pathlib import Path


def charge(card_token: str, amount_cents: int, reference: str) -> dict:
    if card_token == "tok_declined":
        return {"status": "declined", "charge_id": None}
    ledger = Path(os.environ.get("PAYMENTS_LEDGER", "payments.jsonl"))
    count = len(ledger.read_text().splitlines()) if ledger.exists() else 0
    charge_id = f"ch_{count + 1:05d}"
    with ledger.open("a") as out:
        out.write(json.dumps({"charge_id": charge_id, "amount_cents": amount_cents, "reference": reference}) + "\n")
    return {"status": "approved", "charge_id": charge_id}
