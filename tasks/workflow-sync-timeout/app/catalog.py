"""Client for our product catalog service. Do not modify."""

import json
import os
import signal
import threading
import time
from pathlib import Path

WRITES = Path(os.environ.get("CATALOG_WRITES", "catalog_writes.jsonl"))
_cond = threading.Condition()
_writes = 0
_in_flight = 0
_dying = False


def upsert(products: list[dict], source: str) -> None:
    """Create or update products; `source` tells merchandisers where the data came from."""
    global _writes, _in_flight, _dying
    crash_at = int(os.environ.get("CATALOG_CRASH_ON_WRITE", "0"))
    with _cond:
        while _dying:  # the machine is about to die: this write never happens
            _cond.wait()
        _writes += 1
        crash = bool(crash_at) and _writes == crash_at
        if crash:
            _dying = True
        else:
            _in_flight += 1
    if crash:
        _crash()
    try:
        with WRITES.open("a") as log:
            log.write(json.dumps({"source": source, "first_sku": products[0]["sku"], "count": len(products),
                                  "at": time.time()}) + "\n")
    finally:
        with _cond:
            _in_flight -= 1
            _cond.notify_all()


def _crash() -> None:
    """Ops drill: the machine dies before this write, once the writes already under way have finished (and
    their callers have had a moment to record them); writes not yet started never happen."""
    with _cond:
        _cond.wait_for(lambda: _in_flight == 0)
    time.sleep(0.3)
    os.kill(os.getpid(), signal.SIGKILL)
