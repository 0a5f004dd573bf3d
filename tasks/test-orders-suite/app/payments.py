"""Card payments (a stand-in for the payment provider). Do not modify.

Approved charges are appended as one JSON line to the file named by PAYMENTS_LEDGER, with the time they were
made (UTC). The test card token "tok_declined" is always declined; every other token is approved.
"""

import json
import os
from datetime import datetime, timezone
from pathlib import Path


def _ledger() -> Path:
    return Path(os.environ.get("PAYMENTS_LEDGER", "payments.jsonl"))


def charge(card_token: str, amount_cents: int, reference: str) -> dict:
    if card_token == "tok_declined":
        return {"status": "declined", "charge_id": None}
    ledger = _ledger()
    count = len(ledger.read_text().splitlines()) if ledger.exists() else 0
    charge_id = f"ch_{count + 1:05d}"
    with ledger.open("a") as out:
        out.write(json.dumps({"charge_id": charge_id, "amount_cents": amount_cents, "reference": reference,
                              "charged_at": datetime.now(timezone.utc).isoformat()}) + "\n")
    return {"status": "approved", "charge_id": charge_id}


def charges_between(start: datetime, end: datetime) -> list[dict]:
    """The approved charges made in [start, end) (timezone-aware datetimes)."""
    ledger = _ledger()
    lines = ledger.read_text().splitlines() if ledger.exists() else []
    charges = [json.loads(line) for line in lines if line.strip()]
    return [c for c in charges if start <= datetime.fromisoformat(c["charged_at"]) < end]
