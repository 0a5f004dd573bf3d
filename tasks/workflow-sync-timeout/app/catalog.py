"""Client for our product catalog service. Do not modify."""

import json
import os
import signal
import time
from pathlib import Path

WRITES = Path(os.environ.get("CATALOG_WRITES", "catalog_writes.jsonl"))
_writes = 0


def upsert(products: list[dict], source: str) -> None:
    """Create or update products; `source` tells merchandisers where the data came from."""
    global _writes
    _writes += 1
    crash_at = int(os.environ.get("CATALOG_CRASH_ON_WRITE", "0"))
    if crash_at and _writes == crash_at:  # ops drill: the machine dies before this write
        os.kill(os.getpid(), signal.SIGKILL)
    with WRITES.open("a") as log:
        log.write(json.dumps({"source": source, "first_sku": products[0]["sku"], "count": len(products),
                              "at": time.time()}) + "\n")
