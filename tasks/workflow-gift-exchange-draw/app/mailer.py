"""Client for our email provider. Do not modify."""

import json
import os
import signal
import threading
import time
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "outbox.jsonl"))
_calls = 0
_lock = threading.Lock()  # one connection: calls are handled one at a time


def send_assignment(to: str, giver: str, receiver: str, exchange_id: str, budget: str) -> None:
    """Tell `giver` (at `to`) whom they give a present to. Every call sends an email."""
    global _calls
    with _lock:
        time.sleep(0.03)
        _calls += 1
        if _calls == int(os.environ.get("MAILER_CRASH_ON_CALL", "0")):  # ops drill: the server dies mid-send-out
            time.sleep(0.5)  # (what else was in flight on the machine gets to finish)
            os.kill(os.getpid(), signal.SIGKILL)
        with OUTBOX.open("a") as out:
            out.write(json.dumps({"to": to, "exchange_id": exchange_id, "giver": giver, "receiver": receiver,
                                  "budget": budget}) + "\n")
