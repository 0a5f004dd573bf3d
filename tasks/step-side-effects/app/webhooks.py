"""Delivers events to our partner's webhook endpoint. Do not modify."""

import json
import os
import signal
from pathlib import Path

DELIVERIES = Path(os.environ.get("WEBHOOK_DELIVERIES", "webhooks.jsonl"))
_calls = 0


def post(event: str, payload: dict) -> None:
    global _calls
    _calls += 1
    crash_at = int(os.environ.get("WEBHOOKS_CRASH_ON_CALL", "0"))
    if crash_at and _calls == crash_at:  # ops drill: the machine dies before this delivery goes out
        os.kill(os.getpid(), signal.SIGKILL)
    with DELIVERIES.open("a") as out:
        out.write(json.dumps({"event": event, **payload}) + "\n")
