"""Client for the accounting system's journal API. Do not modify."""

import json
import os
import signal
from pathlib import Path

JOURNAL = Path(os.environ.get("BOOKKEEPING_JOURNAL", "journal.jsonl"))
_calls = 0


def post_entry(invoice_id: str, charge_id: str, amount_cents: int) -> None:
    """Book a captured payment against its invoice."""
    global _calls
    _calls += 1
    crash_at = int(os.environ.get("BOOKKEEPING_CRASH_ON_CALL", "0"))
    if crash_at and _calls == crash_at:  # ops drill: the machine dies before this entry is booked
        os.kill(os.getpid(), signal.SIGKILL)
    with JOURNAL.open("a") as journal:
        journal.write(json.dumps({"invoice_id": invoice_id, "charge_id": charge_id, "amount_cents": amount_cents}) + "\n")
