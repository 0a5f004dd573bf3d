"""Client for our transactional email provider. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send_receipt(to: str, invoice_id: str, charge_id: str, amount_cents: int) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "invoice_id": invoice_id, "charge_id": charge_id,
                              "amount_cents": amount_cents}) + "\n")
