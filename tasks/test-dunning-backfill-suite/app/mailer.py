"""Our email provider's client. Do not modify. Every reminder sent is logged as a JSON line to the file
named by ``REMINDER_LOG`` (default ``reminders.jsonl``)."""

import json
import os
from pathlib import Path


def send_reminder(invoice_id: str, customer: str, as_of: str) -> None:
    log = Path(os.environ.get("REMINDER_LOG", "reminders.jsonl"))
    with log.open("a") as out:
        out.write(json.dumps({"invoice_id": invoice_id, "customer": customer, "as_of": as_of}) + "\n")
