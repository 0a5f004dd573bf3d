"""Client of GeoPartner, the geocoding API we resell. Do not modify.

Our contract: at most 4 requests *started* in any 2-second window, summed over every machine that uses
our API key. Above that GeoPartner bans the key for 24 hours. Each request takes a while to answer.
"""

import json
import os
import threading
import time
from pathlib import Path

CALLS_LOG = Path(os.environ.get("PARTNER_CALLS_LOG", "partner_calls.jsonl"))
LATENCY_S = 0.4
_lock = threading.Lock()


def _log(record: dict) -> None:
    with _lock, CALLS_LOG.open("a") as log:
        log.write(json.dumps({**record, "pid": os.getpid(), "at": time.time()}) + "\n")


def geocode(address: str, request_id: str) -> dict:
    """Geocode one address; returns {"lat": ..., "lon": ...}."""
    _log({"request_id": request_id, "event": "start"})
    time.sleep(LATENCY_S)
    digest = sum(address.encode()) % 1000
    result = {"lat": 40 + digest / 1000, "lon": -73 - digest / 1000}
    _log({"request_id": request_id, "event": "end"})
    return result
