"""Client for the Ledgerly accounting API. Do not modify.

Ledgerly's terms allow at most 2 API calls in flight per account at any moment; above that they throttle
the account and their support team sends angry emails. Each call takes a few hundred milliseconds.
"""

import hashlib
import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

CALL_LOG = Path(os.environ.get("LEDGERLY_CALL_LOG", "ledgerly_calls.jsonl"))
LATENCY_S = 0.3
_lock = threading.Lock()
_call_numbers = itertools.count(1)


def push_invoice(invoice: dict) -> str:
    """Create the invoice in Ledgerly; returns Ledgerly's id for it."""
    call_number = next(_call_numbers)
    crash_at = int(os.environ.get("LEDGERLY_CRASH_ON_CALL", "0"))
    if crash_at and call_number == crash_at:  # ops drill: the worker dies before this call goes out
        os.kill(os.getpid(), signal.SIGKILL)
    started_at = time.time()
    time.sleep(LATENCY_S)  # network round trip
    ledgerly_id = "LG-" + hashlib.sha1(invoice["id"].encode()).hexdigest()[:10]
    with _lock, CALL_LOG.open("a") as log:
        log.write(json.dumps({"invoice_id": invoice["id"], "ledgerly_id": ledgerly_id,
                              "amount_cents": invoice["amount_cents"], "started_at": started_at,
                              "finished_at": time.time()}) + "\n")
    return ledgerly_id
