"""Geocoding worker: geocodes every request dropped into the inbox through GeoPartner.

systemd runs it as ``python geocode_worker.py``, on as many boxes as needed, all sharing the inbox and the
Postgres system database (``DBOS_SYSTEM_DATABASE_URL``). Our API front end drops each request into the
inbox directory (``GEOCODE_INBOX``, default ``inbox/``) as a JSON file ``{"request_id", "address"}``.

Every worker scans the inbox and enqueues each request as a DBOS workflow with the ID
``geocode-<request_id>``: a request is enqueued (and so geocoded and saved) once, however many workers see
its file and however often they restart. The ``geocode`` queue enforces GeoPartner's quota for all workers
together (the rate limit is stored in the shared database) and lets each box run two calls at a time.
"""

import json
import logging
import os
import sys
import time
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import partner_api
import results

INBOX = Path(os.environ.get("GEOCODE_INBOX", "inbox"))
SCAN_S = 0.2
IN_FLIGHT = 2  # this box's memory allows two requests in flight
QUEUE = "geocode"
# GeoPartner's quota: at most 4 calls started in any 2-second window, over all boxes together.
QUOTA_CALLS = 4
QUOTA_PERIOD_S = 2.0
# The queue stamps a workflow when it is dequeued, and the call starts a few milliseconds later; a small
# margin on the window keeps the calls themselves within the quota despite that jitter.
QUOTA_MARGIN_S = 0.5
log = logging.getLogger("geocode_worker")


@DBOS.step()
def call_partner(address: str, request_id: str) -> dict:
    # No step retries: every retry would be an extra call outside the queue's rate limit.
    return partner_api.geocode(address, request_id)


@DBOS.step()
def save_result(request_id: str, result: dict) -> None:
    results.save(request_id, result)


@DBOS.workflow()
def geocode_request(request: dict) -> dict:
    result = call_partner(request["address"], request["request_id"])
    save_result(request["request_id"], result)
    DBOS.logger.info(f"geocoded {request['request_id']}")
    return result


def request_workflow_id(request_id: str) -> str:
    return f"geocode-{request_id}"


def enqueue_new_requests(seen: set[str]) -> None:
    """Enqueue every inbox file not enqueued yet by this process (the workflow ID dedupes across workers)."""
    for path in sorted(INBOX.glob("*.json")):
        if path.name in seen:
            continue
        try:
            request = json.loads(path.read_text())
            request_id = str(request["request_id"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # still being written (or gone): look again on the next scan
        try:
            # Same ID from every worker and every restart: the first enqueue wins, later ones return it.
            with SetWorkflowID(request_workflow_id(request_id)):
                DBOS.enqueue_workflow(QUEUE, geocode_request, request)
        except Exception:
            log.exception("could not enqueue %s; will retry", path.name)
            continue
        seen.add(path.name)


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "geocode-worker",
        "system_database_url": system_database_url(),
        # Pinned: every box (and every restart) runs the same version, so each dequeues and recovers the
        # others' requests.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(
        QUEUE,
        worker_concurrency=IN_FLIGHT,  # per box: two calls in flight
        limiter={"limit": QUOTA_CALLS, "period": QUOTA_PERIOD_S + QUOTA_MARGIN_S},  # all boxes together
    )
    INBOX.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    try:
        while True:
            enqueue_new_requests(seen)
            time.sleep(SCAN_S)
    except KeyboardInterrupt:
        pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
