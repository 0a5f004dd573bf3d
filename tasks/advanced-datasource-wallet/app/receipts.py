"""Sends top-up receipts through our notification service (a stand-in). Do not modify.

Every receipt is appended as one JSON line to the file named by RECEIPTS_LOG (default `receipts.jsonl`).
Ops drill: with RECEIPTS_CRASH_BEFORE_SEND=N the process is SIGKILLed right before its N-th receipt.
"""

import json
import os
import signal
from pathlib import Path

_sent = 0


def send_receipt(user_id: str, topup_id: str, amount_cents: int, balance_cents: int) -> None:
    global _sent
    _sent += 1
    if _sent == int(os.environ.get("RECEIPTS_CRASH_BEFORE_SEND", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    with Path(os.environ.get("RECEIPTS_LOG", "receipts.jsonl")).open("a") as out:
        out.write(json.dumps({"user_id": user_id, "topup_id": topup_id, "amount_cents": amount_cents,
                              "balance_cents": balance_cents}) + "\n")
