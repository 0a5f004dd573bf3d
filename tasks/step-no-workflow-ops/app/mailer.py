"""Client for our lifecycle-email provider. Do not modify."""

import json
import os
import time
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))


def send(to: str, template: str, **data: str) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "template": template, "sent_at": time.time(), **data}) + "\n")
