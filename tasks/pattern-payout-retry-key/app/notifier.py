"""Seller notifications (a stand-in for our email provider). Do not modify.

Every email is appended as one JSON line to the file named by `NOTIFIER_OUTBOX`.
"""

import json
import os
from pathlib import Path


def payout_sent(email: str, payout_id: str, amount_cents: int, transfer_id: str) -> None:
    with Path(os.environ.get("NOTIFIER_OUTBOX", "outbox.jsonl")).open("a") as out:
        out.write(json.dumps({"to": email, "payout_id": payout_id, "amount_cents": amount_cents,
                              "transfer_id": transfer_id}) + "\n")
