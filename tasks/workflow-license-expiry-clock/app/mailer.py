"""Client for our email provider. Do not modify."""

import json
import os
import signal
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))
_calls = 0


def send_license(to: str, license_key: str, plan: str, expires_at: str) -> None:
    """Email the customer their license key and its expiry. Every call sends an email."""
    global _calls
    _calls += 1
    if _calls == int(os.environ.get("MAILER_CRASH_ON_CALL", "0")):  # ops drill: the server dies here
        os.kill(os.getpid(), signal.SIGKILL)
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"to": to, "license_key": license_key, "plan": plan, "expires_at": expires_at}) + "\n")
