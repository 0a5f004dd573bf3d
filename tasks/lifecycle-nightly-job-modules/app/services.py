"""Clients of the outside systems the nightly jobs talk to (the ledger service and the carrier). Do not modify.

Each call takes a moment (a network round trip) and is recorded in a JSON-lines file, which is what the
real systems would hold: a journal entry posted twice is money moved twice, a label bought twice is paid twice.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_going_down = threading.Event()
_calls = 0


def _drill() -> None:
    """Ops drill: OPS_CRASH_ON_CALL=N kills the process (like a reboot) just before the Nth outside call.
    Like a real box going down, it first stops taking new calls, gives the calls already under way a moment
    to finish and be answered, then the process is killed (SIGKILL)."""
    global _calls
    if _going_down.is_set():
        threading.Event().wait()  # never returns: the machine is going down
    with _lock:
        _calls += 1
        crash = _calls == int(os.environ.get("OPS_CRASH_ON_CALL", "0") or 0)
        if crash:
            _going_down.set()
    if crash:
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)


def _append(env_var: str, default: str, record: dict) -> None:
    path = Path(os.environ.get(env_var, default))
    with path.open("a") as out:
        out.write(json.dumps(record) + "\n")


def post_journal_entry(day: str, merchant_id: str, amount_cents: int) -> str:
    """Post a merchant's settlement to the general ledger; returns the entry id."""
    _drill()
    time.sleep(0.05)
    entry_id = f"je-{day}-{merchant_id}"
    _append("OPS_JOURNAL", "journal.jsonl",
            {"entry_id": entry_id, "day": day, "merchant_id": merchant_id, "amount_cents": amount_cents})
    return entry_id


def buy_shipping_label(day: str, order_id: str, weight_g: int) -> str:
    """Buy a carrier label for an order; returns the tracking number."""
    _drill()
    time.sleep(0.05)
    tracking = f"TRK-{day.replace('-', '')}-{order_id}"
    _append("OPS_LABELS", "labels.jsonl",
            {"tracking": tracking, "day": day, "order_id": order_id, "weight_g": weight_g})
    return tracking
