"""Client for our bank's transfer API (a stand-in). Do not modify.

Every transfer is appended as one JSON line to the file named by BANK_LEDGER (default `transfers.jsonl`).
Ops drill: with BANK_CRASH_BEFORE_TRANSFER=N the process is SIGKILLed right before its N-th transfer.
"""

import json
import os
import signal
from pathlib import Path

_transfers = 0


def transfer(creator_id: str, amount_cents: int, memo: str) -> str:
    global _transfers
    _transfers += 1
    if _transfers == int(os.environ.get("BANK_CRASH_BEFORE_TRANSFER", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    ledger = Path(os.environ.get("BANK_LEDGER", "transfers.jsonl"))
    count = len(ledger.read_text().splitlines()) if ledger.exists() else 0
    transfer_id = f"tr_{count + 1:05d}"
    with ledger.open("a") as out:
        out.write(json.dumps({"transfer_id": transfer_id, "creator_id": creator_id,
                              "amount_cents": amount_cents, "memo": memo}) + "\n")
    return transfer_id
