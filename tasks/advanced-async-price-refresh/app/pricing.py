"""Async clients for the competitor-price provider and our storefront's pricing API. Do not modify.

The price provider bills per lookup and allows at most 3 lookups in flight per API key.
"""

import asyncio
import hashlib
import itertools
import json
import os
import signal
import time
from pathlib import Path

LOOKUP_LOG = Path(os.environ.get("PRICING_LOOKUP_LOG", "price_lookups.jsonl"))
UPDATE_LOG = Path(os.environ.get("PRICING_UPDATE_LOG", "price_updates.jsonl"))
_call_numbers = itertools.count(1)


def _drill() -> None:
    crash_at = int(os.environ.get("PRICING_CRASH_ON_CALL", "0"))
    if crash_at and next(_call_numbers) == crash_at:  # ops drill: the job dies before this call goes out
        os.kill(os.getpid(), signal.SIGKILL)


async def lowest_competitor_price(sku: str) -> int:
    """The lowest price any competitor currently asks for this SKU, in cents."""
    _drill()
    started_at = time.time()
    await asyncio.sleep(0.3)
    price = 1000 + int(hashlib.sha1(sku.encode()).hexdigest()[:4], 16) % 9000
    with LOOKUP_LOG.open("a") as log:
        log.write(json.dumps({"sku": sku, "price_cents": price, "started_at": started_at,
                              "finished_at": time.time()}) + "\n")
    return price


async def set_price(sku: str, price_cents: int) -> None:
    """Publishes our new price for the SKU on the storefront."""
    _drill()
    await asyncio.sleep(0.05)
    with UPDATE_LOG.open("a") as log:
        log.write(json.dumps({"sku": sku, "price_cents": price_cents, "at": time.time()}) + "\n")
