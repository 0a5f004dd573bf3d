"""Client for our storefront's product admin API. Do not modify.

Their rate limit: leave at least 0.25 s between two batch calls, or the whole import gets throttled.
"""

import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

CALL_LOG = Path(os.environ.get("STOREFRONT_CALL_LOG", "storefront_calls.jsonl"))
BATCH_LATENCY_S = 0.25
_lock = threading.Lock()
_call_numbers = itertools.count(1)


def upsert_products(products: list[dict]) -> int:
    """Creates or updates a batch of products (at most 50); returns how many were written."""
    if len(products) > 50:
        raise ValueError("at most 50 products per batch")
    call_number = next(_call_numbers)
    crash_at = int(os.environ.get("STOREFRONT_CRASH_ON_CALL", "0"))
    if crash_at and call_number == crash_at:  # ops drill: the importer dies before this batch is sent
        os.kill(os.getpid(), signal.SIGKILL)
    started_at = time.time()
    time.sleep(BATCH_LATENCY_S)
    with _lock, CALL_LOG.open("a") as log:
        log.write(json.dumps({"skus": [p["sku"] for p in products], "started_at": started_at,
                              "finished_at": time.time()}) + "\n")
    return len(products)
