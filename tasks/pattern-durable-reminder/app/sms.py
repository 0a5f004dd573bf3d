"""Client for our SMS gateway. Do not modify."""

import json
import os
import time
from pathlib import Path

OUTBOX = Path(os.environ.get("SMS_OUTBOX", "sms_outbox.jsonl"))


def send(phone: str, kind: str, appointment_id: str, text: str) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": phone, "kind": kind, "appointment_id": appointment_id, "text": text,
                              "sent_at": time.time()}) + "\n")
