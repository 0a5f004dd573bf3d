"""Client for the parcel carrier's label API. Do not modify.

The carrier's API has frequent short outages; `create_label` then raises `CarrierUnavailable`. Every
request we make is also written to the carrier's request log, which is what they bill us from.
"""

import json
import os
import signal
import time
from pathlib import Path

LABELS = Path(os.environ.get("CARRIER_LABELS", "labels.jsonl"))
REQUEST_LOG = Path(os.environ.get("CARRIER_REQUEST_LOG", "carrier_requests.jsonl"))
_requests = 0
_labels = 0


class CarrierUnavailable(Exception):
    """503 from the carrier: try again later."""


def create_label(order_id: str, address: dict, weight_grams: int) -> str:
    """Buy a shipping label; returns its tracking number."""
    global _requests, _labels
    _requests += 1
    fail_first = int(os.environ.get("CARRIER_FAIL_FIRST", "0"))  # simulated outage: the first N requests fail
    ok = _requests > fail_first
    with REQUEST_LOG.open("a") as log:
        log.write(json.dumps({"order_id": order_id, "at": time.time(), "ok": ok}) + "\n")
    if not ok:
        raise CarrierUnavailable(f"503 Service Unavailable (request {_requests})")
    _labels += 1
    crash_at = int(os.environ.get("CARRIER_CRASH_ON_LABEL", "0"))
    if crash_at and _labels == crash_at:  # ops drill: the machine dies before this label is bought
        os.kill(os.getpid(), signal.SIGKILL)
    with LABELS.open("a") as labels:
        count = sum(1 for _ in LABELS.open()) if LABELS.exists() else 0
        tracking = f"1Z{count + 1:08d}"
        labels.write(json.dumps({"tracking_number": tracking, "order_id": order_id,
                                 "postcode": address["postcode"], "weight_grams": weight_grams}) + "\n")
    return tracking
