"""Sends payout statements to creators (a stand-in for the email service). Do not modify.

Every statement is appended as one JSON line to the file named by STATEMENTS_OUTBOX.
"""

import json
import os
from pathlib import Path


def send_statement(creator_id: str, period: str, amount_cents: int, transfer_id: str) -> None:
    with Path(os.environ.get("STATEMENTS_OUTBOX", "statements.jsonl")).open("a") as out:
        out.write(json.dumps({"to": creator_id, "period": period, "amount_cents": amount_cents,
                              "transfer_id": transfer_id}) + "\n")
