"""Client for our email provider: payout statements. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("STATEMENTS_OUTBOX", "statements.jsonl"))


def send_statement(email: str, creator_id: str, month: str, amount_cents: int, transfer_id: str) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": email, "creator_id": creator_id, "month": month,
                              "amount_cents": amount_cents, "transfer_id": transfer_id}) + "\n")
