"""Thin wrapper around our email service. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send_receipt(customer_id: str, charge_id: str, amount_cents: int) -> None:
    with OUTBOX.open("a") as outbox:
        outbox.write(json.dumps({"to": customer_id, "charge_id": charge_id, "amount_cents": amount_cents}) + "\n")
