"""Geocoding worker: geocodes every request dropped into the inbox through GeoPartner.

systemd runs it as ``python geocode_worker.py`` on one or more boxes, all on the same inbox (a shared volume)
and the same Postgres (``DBOS_SYSTEM_DATABASE_URL``). Our API front end drops each request into the inbox
directory (``GEOCODE_INBOX``, default ``inbox/``) as a JSON file ``{"request_id", "address"}``.

Job handling runs on DBOS:
- every worker scans the inbox and enqueues one ``geocode_request`` workflow per request, with the workflow ID
  ``geocode-<request_id>``: however many workers see a file, and however often it is seen again after a
  restart, the request is queued, geocoded and saved once;
- the ``geocode`` queue enforces GeoPartner's quota for all workers together (a database-backed rate
  limiter, with a small safety margin over the 2-second window) and lets each worker run 2 calls at a time;
- each worker process has its own stable executor ID (``GEOCODE_WORKER_ID``, or one derived from the host
  name and a per-host worker slot), so a restarted worker recovers exactly the requests that were in flight
  in the process it replaces, and never takes over the ones other live workers are running.
"""

import fcntl
import hashlib
import json
import logging
import os
import socket
import sys
import tempfile
import time
from pathlib import Path
from typing import IO, Optional

from dbos import DBOS, DBOSConfig, SetWorkflowID

import partner_api
import results

INBOX = Path(os.environ.get("GEOCODE_INBOX", "inbox"))
SCAN_S = 0.2
IN_FLIGHT = 2  # this box's memory allows two requests in flight
QUEUE = "geocode"
QUOTA_CALLS = 4  # GeoPartner: at most 4 calls started ...
QUOTA_PERIOD_S = 2.0  # ... in any 2-second window, over all our machines
# The queue limits workflow *starts*; the partner call follows a few milliseconds later. Pace over a slightly
# longer window so that jitter between a start and its call can never squeeze 5 calls into 2 seconds.
LIMITER_PERIOD_S = QUOTA_PERIOD_S + 0.5
log = logging.getLogger("geocode_worker")


@DBOS.step()
def call_partner(address: str, request_id: str) -> dict:
    return partner_api.geocode(address, request_id)


@DBOS.step()
def save_result(request_id: str, result: dict) -> None:
    results.save(request_id, result)


@DBOS.workflow()
def geocode_request(request_id: str, address: str) -> dict:
    result = call_partner(address, request_id)
    save_result(request_id, result)
    DBOS.logger.info(f"geocoded {request_id}")
    return result


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the shared Postgres")
    return url


def claim_executor_id(db_url: str) -> tuple[str, Optional[IO[str]]]:
    """A stable executor ID that no other live worker process uses.

    GEOCODE_WORKER_ID wins when set. Otherwise the worker takes the lowest free worker slot on this host
    (an exclusive lock on a local file, released by the OS when the process dies), so a restarted worker
    gets the slot, and with it the in-flight workflows, of the process that died.
    """
    explicit = os.environ.get("GEOCODE_WORKER_ID")
    if explicit:
        return explicit, None
    host = socket.gethostname()
    deployment = hashlib.sha1(f"{db_url}|{INBOX.resolve()}".encode()).hexdigest()[:12]
    lock_dir = Path(tempfile.gettempdir())
    for slot in range(1024):
        lock_file = open(lock_dir / f"geocode-worker-{deployment}-{slot}.lock", "a")
        try:
            fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lock_file.close()
            continue
        return f"{host}-geocode-{slot}", lock_file  # keep the file open: it holds the slot
    sys.exit("no free geocode worker slot on this host")


def read_request(path: Path) -> Optional[dict]:
    try:
        request = json.loads(path.read_text())
    except (OSError, ValueError):
        return None  # vanished or still being written: try again on the next scan
    if not isinstance(request, dict) or "request_id" not in request or "address" not in request:
        return None
    return request


def submit(request: dict) -> None:
    # The workflow ID makes the enqueue idempotent across scans, restarts and workers: a request that is
    # already queued, running or done is not queued again.
    with SetWorkflowID(f"geocode-{request['request_id']}"):
        DBOS.enqueue_workflow(QUEUE, geocode_request, request["request_id"], request["address"])


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    INBOX.mkdir(exist_ok=True)
    db_url = system_database_url()
    executor_id, _slot_lock = claim_executor_id(db_url)
    config: DBOSConfig = {
        "name": "geocode-worker",
        "system_database_url": db_url,
        # Pinned: every worker dequeues the same queue, and a restart recovers its in-flight requests.
        "application_version": os.environ.get("GEOCODE_APP_VERSION", "1.0.0"),
        "executor_id": executor_id,
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(
        QUEUE,
        worker_concurrency=IN_FLIGHT,
        limiter={"limit": QUOTA_CALLS, "period": LIMITER_PERIOD_S},
    )
    log.info("geocode worker %s watching %s", executor_id, INBOX)
    # Per-process cache so each scan doesn't re-submit every file; correctness comes from the workflow IDs.
    submitted: set[str] = set()
    try:
        while True:
            for path in sorted(INBOX.glob("*.json")):
                if path.name in submitted:
                    continue
                request = read_request(path)
                if request is None:
                    continue
                submit(request)
                submitted.add(path.name)
            time.sleep(SCAN_S)
    except KeyboardInterrupt:
        pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
