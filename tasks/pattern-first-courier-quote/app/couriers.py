"""Our courier partners' quote-and-book API. Do not modify.

quote() asks one courier for a price; it answers when it answers (COURIER_LATENCY_<NAME> seconds; slowpost
can take minutes). book() books the shipment with a courier: billed and not idempotent, and a courier whose
accepted quote we then give to someone else charges us a penalty. Both are logged as JSON lines: QUOTE_LOG
(default quotes.jsonl) and BOOKING_LOG (default bookings.jsonl). Ops drill: with DISPATCH_CRASH_ON_BOOK=1
the process is SIGKILLed just before it books.
"""

import json
import os
import signal
import threading
import time
import zlib
from pathlib import Path

COURIERS = ("swift", "parcelo", "slowpost")
DEFAULT_LATENCY_S = {"swift": 2.0, "parcelo": 3.0, "slowpost": 90.0}
_lock = threading.Lock()


def _append(env: str, default: str, record: dict) -> None:
    with _lock, Path(os.environ.get(env, default)).open("a") as log:
        log.write(json.dumps(record) + "\n")


def quote(courier: str, shipment_id: str) -> int:
    """The courier's price in cents for the shipment."""
    latency = float(os.environ.get(f"COURIER_LATENCY_{courier.upper()}", DEFAULT_LATENCY_S[courier]))
    time.sleep(latency)
    price = 900 + zlib.crc32(f"{courier}/{shipment_id}".encode()) % 600
    _append("QUOTE_LOG", "quotes.jsonl", {"courier": courier, "shipment_id": shipment_id, "price": price})
    return price


def book(courier: str, shipment_id: str, price: int) -> None:
    if os.environ.get("DISPATCH_CRASH_ON_BOOK") == "1":
        os.kill(os.getpid(), signal.SIGKILL)
    _append("BOOKING_LOG", "bookings.jsonl", {"courier": courier, "shipment_id": shipment_id, "price": price})
