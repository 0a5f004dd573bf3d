"""Transactional email (a stand-in). Do not modify.

Every email is appended as one JSON line to the file named by MAILER_OUTBOX.
"""

import json
import os
from pathlib import Path


def send_deletion_confirmation(email: str, request_id: str) -> None:
    with Path(os.environ.get("MAILER_OUTBOX", "confirmations.jsonl")).open("a") as out:
        out.write(json.dumps({"to": email, "request_id": request_id,
                              "subject": "Your account has been deleted"}) + "\n")
