"""Reimbursements through our payroll provider. Do not modify."""

import json
import os
import threading
import time
from pathlib import Path

LEDGER = Path(os.environ.get("PAYOUTS_LEDGER", "payouts.jsonl"))
_lock = threading.Lock()


def reimburse(employee: str, amount_cents: int, reference: str) -> str:
    """Sends the money to the employee's bank account; returns the payout id."""
    time.sleep(0.2)  # the provider is slow
    with _lock, LEDGER.open("a") as ledger:
        payout_id = f"po_{reference}"
        ledger.write(json.dumps({"payout_id": payout_id, "employee": employee, "amount_cents": amount_cents,
                                 "reference": reference}) + "\n")
    return payout_id
