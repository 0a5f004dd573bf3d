"""Client of our product catalog service. Do not modify.

Every upsert is a network call (it takes a moment) and is recorded as a JSON line in the file named by
``CATALOG_LOG`` (default ``catalog.jsonl``): an upsert made twice re-triggers the storefront's price-change
emails to every watcher of the product.
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
    """Ops drill: CATALOG_CRASH_ON_CALL=N kills the process (like a reboot) just before the Nth catalog call.
    Like a real box going down, it first stops taking new calls, gives the calls already under way a moment
    to finish and be answered, then the process is killed (SIGKILL)."""
    global _calls
    if _going_down.is_set():
        threading.Event().wait()  # never returns: the machine is going down
    with _lock:
        _calls += 1
        crash = _calls == int(os.environ.get("CATALOG_CRASH_ON_CALL", "0") or 0)
        if crash:
            _going_down.set()
    if crash:
        time.sleep(1.0)
        os.kill(os.getpid(), signal.SIGKILL)


def upsert_product(partner: str, sku: str, price_cents: int, batch_id: str) -> None:
    _drill()
    time.sleep(0.1)
    log = Path(os.environ.get("CATALOG_LOG", "catalog.jsonl"))
    with log.open("a") as out:
        out.write(json.dumps({"partner": partner, "sku": sku, "price_cents": price_cents, "batch_id": batch_id,
                              "key": f"{partner}/{batch_id}/{sku}"}) + "\n")
