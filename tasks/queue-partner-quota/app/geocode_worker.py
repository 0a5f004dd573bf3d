"""Geocoding worker: geocodes every request dropped into the inbox through GeoPartner.

systemd runs it as ``python geocode_worker.py`` on one box. Our API front end drops each request into the
inbox directory (``GEOCODE_INBOX``, default ``inbox/``) as a JSON file ``{"request_id", "address"}``.
"""

import json
import logging
import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import partner_api
import results

INBOX = Path(os.environ.get("GEOCODE_INBOX", "inbox"))
SCAN_S = 0.2
IN_FLIGHT = 2  # this box's memory allows two requests in flight
log = logging.getLogger("geocode_worker")


class RateLimiter:
    """At most ``limit`` calls started per ``period`` seconds (GeoPartner's quota)."""

    def __init__(self, limit: int, period: float):
        self.limit, self.period = limit, period
        self.started: list[float] = []
        self.lock = threading.Lock()

    def wait(self) -> None:
        while True:
            with self.lock:
                now = time.monotonic()
                self.started = [t for t in self.started if now - t < self.period]
                if len(self.started) < self.limit:
                    self.started.append(now)
                    return
            time.sleep(0.05)


limiter = RateLimiter(limit=4, period=2.0)


def handle(request: dict) -> None:
    limiter.wait()
    result = partner_api.geocode(request["address"], request["request_id"])
    results.save(request["request_id"], result)
    log.info("geocoded %s", request["request_id"])


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    INBOX.mkdir(exist_ok=True)
    seen: set[str] = set()
    with ThreadPoolExecutor(max_workers=IN_FLIGHT) as pool:
        while True:
            for path in sorted(INBOX.glob("*.json")):
                if path.name not in seen:
                    seen.add(path.name)
                    pool.submit(handle, json.loads(path.read_text()))
            time.sleep(SCAN_S)


if __name__ == "__main__":
    main()
