"""Client for our bank's payouts API. Do not modify."""

import json
import os
import signal
import threading
import time
from pathlib import Path

LEDGER = Path(os.environ.get("BANK_LEDGER", "transfers.jsonl"))
_calls = 0
_lock = threading.Lock()  # one connection: calls are handled one at a time


def transfer(creator_id: str, iban: str, amount_cents: int, reference: str) -> str:
    """Send money to a creator's bank account; returns the transfer id. Every call is a real transfer."""
    global _calls
    with _lock:
        time.sleep(0.05)  # the bank is slow
        _calls += 1
        if _calls == int(os.environ.get("BANK_CRASH_BEFORE_TRANSFER", "0")):  # ops drill: the box dies here
            time.sleep(0.5)  # (what else was in flight on the box gets to finish)
            os.kill(os.getpid(), signal.SIGKILL)
        existing = LEDGER.read_text().splitlines() if LEDGER.exists() else []
        transfer_id = f"tr_{len(existing) + 1:05d}"
        with LEDGER.open("a") as ledger:
            ledger.write(json.dumps({"transfer_id": transfer_id, "creator_id": creator_id, "iban": iban,
                                     "amount_cents": amount_cents, "reference": reference}) + "\n")
        return transfer_id
