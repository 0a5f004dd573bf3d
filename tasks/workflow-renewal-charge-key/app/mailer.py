"""Client for our transactional email provider. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send_invoice(to: str, subscription_id: str, period: str, charge_id: str, amount_cents: int) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "subscription_id": subscription_id, "period": period,
                              "charge_id": charge_id, "amount_cents": amount_cents}) + "\n")
