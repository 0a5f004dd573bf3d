"""Transactional email (a stand-in for tests). Do not modify.

Every email is appended as one JSON line `{"to", "template"}` to the file named by MAILER_OUTBOX.
"""

import json
import os
from pathlib import Path


def send(to: str, template: str, **fields: str) -> None:
    with Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl")).open("a") as out:
        out.write(json.dumps({"to": to, "template": template, **fields}) + "\n")
