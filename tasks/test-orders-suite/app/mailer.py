"""Transactional email (a stand-in for the email provider). Do not modify.

Every email is appended as one JSON line to the file named by MAILER_OUTBOX.
"""

import json
import os
from pathlib import Path


def send(to: str, subject: str, body: str) -> None:
    with Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl")).open("a") as outbox:
        outbox.write(json.dumps({"to": to, "subject": subject, "body": body}) + "\n")
