"""Client for our email provider. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send(to: str, subject: str, body: dict) -> None:
    """Every call sends an email."""
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "subject": subject, "body": body}) + "\n")
