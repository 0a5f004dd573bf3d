"""Geocoding worker: geocodes every request dropped into the inbox through GeoPartner.

systemd runs it as ``python geocode_worker.py`` on each box; every box watches the same inbox directory
(``GEOCODE_INBOX``, default ``inbox/``) and shares one Postgres. Each request becomes a DBOS workflow with
id ``geocode-<request id>``, so however many boxes see a file (or a restarted box sees it again), it is
enqueued once. The "geocode" queue holds GeoPartner's quota for the whole fleet (a limiter: 4 starts per
2 s, enforced through the database) and each box's memory limit (worker_concurrency=2).
"""

import json
import os
import threading
import time
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import partner_api
import results

INBOX = Path(os.environ.get("GEOCODE_INBOX", "inbox"))
GEOCODE_QUEUE = "geocode"
SCAN_S = 0.2


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


@DBOS.step()
def call_partner(request: dict) -> dict:
    limiter.wait()
    return partner_api.geocode(request["address"], request["request_id"])


@DBOS.step()
def save_result(request_id: str, result: dict) -> None:
    results.save(request_id, result)


@DBOS.workflow()
def geocode_request(request: dict) -> None:
    save_result(request["request_id"], call_partner(request))


def main() -> None:
    config: DBOSConfig = {
        "name": "geocoder",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(GEOCODE_QUEUE, worker_concurrency=2)
    INBOX.mkdir(exist_ok=True)
    seen: set[str] = set()
    while True:
        for path in sorted(INBOX.glob("*.json")):
            if path.name not in seen:
                request = json.loads(path.read_text())
                with SetWorkflowID(f"geocode-{request['request_id']}"):
                    DBOS.enqueue_workflow(GEOCODE_QUEUE, geocode_request, request)
                seen.add(path.name)
        time.sleep(SCAN_S)


if __name__ == "__main__":
    main()
