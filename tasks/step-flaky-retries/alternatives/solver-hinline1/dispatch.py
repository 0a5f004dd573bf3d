"""Dispatch a pick wave: buy a shipping label for every order in the wave, record it in the shipments
ledger and tell the customer.

    python dispatch.py <wave-id>

The wave runs as a durable DBOS workflow (system database: DBOS_SYSTEM_DATABASE_URL) with an ID derived
from the wave id: if the process dies, running the same command again resumes the wave where it stopped,
and re-running a finished wave prints its recorded summary without buying anything. Label creation is
retried by DBOS (4 attempts, 0.25 s backoff doubling each time); when the carrier stays unavailable the
wave fails and the command exits non-zero. Running the command again after such a failure starts a new
attempt of the wave that skips the orders already in the shipments ledger.
"""

import json
import logging
import os
import re
import sys
from pathlib import Path

import psycopg
from sqlalchemy import text

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import carrier
import notify
import shipments_db

log = logging.getLogger("dispatch")

# Pinned so that a newer release of this script still recovers waves started by an older one.
APP_VERSION = "1"


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (3) driver for Postgres URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The shipments ledger. Datasource transactions commit the row together with DBOS's record of it, so
# a row is written exactly once even if the process dies right after the commit.
ledger = SQLAlchemyDatasource.create(_sqlalchemy_url(shipments_db.database_url()))

# shipments_db's SQL uses psycopg's %(name)s placeholders; SQLAlchemy's text() wants :name.
_RECORD_SHIPMENT = text(re.sub(r"%\((\w+)\)s", r":\1", shipments_db.RECORD_SHIPMENT))
_RECORDED_TRACKING = text(
    "SELECT tracking_number FROM shipments WHERE wave_id = :wave_id AND order_id = :order_id "
    "ORDER BY id LIMIT 1"
)


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def ensure_schema() -> None:
    with psycopg.connect(shipments_db.database_url(), autocommit=True) as conn:
        conn.execute(shipments_db.SCHEMA)


@DBOS.step()
def load_wave(wave_id: str) -> list[dict]:
    return json.loads(Path("waves.json").read_text())[wave_id]


def _carrier_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, carrier.CarrierUnavailable)


@DBOS.step(
    retries_allowed=True,
    max_attempts=4,
    interval_seconds=0.25,
    backoff_rate=2.0,
    should_retry=_carrier_unavailable,
)
def create_label(order_id: str, address: dict, weight_grams: int) -> str:
    return carrier.create_label(order_id, address, weight_grams)


@ledger.transaction()
def record_shipment(wave_id: str, order_id: str, tracking_number: str, weight_grams: int) -> None:
    ledger.sql_session().execute(
        _RECORD_SHIPMENT,
        {"wave_id": wave_id, "order_id": order_id, "tracking_number": tracking_number,
         "weight_grams": weight_grams},
    )


@ledger.transaction()
def recorded_tracking_number(wave_id: str, order_id: str) -> str | None:
    row = ledger.sql_session().execute(
        _RECORDED_TRACKING, {"wave_id": wave_id, "order_id": order_id}
    ).first()
    return row[0] if row is not None else None


@DBOS.step()
def notify_shipped(email: str, order_id: str, tracking_number: str) -> None:
    notify.shipped(email, order_id, tracking_number)


@DBOS.workflow()
def dispatch_wave(wave_id: str, attempt: int = 0) -> dict:
    shipped = []
    for order in load_wave(wave_id):
        tracking = None
        if attempt > 0:
            # A previous attempt of this wave failed: orders it completed are in the ledger.
            tracking = recorded_tracking_number(wave_id, order["order_id"])
        if tracking is None:
            tracking = create_label(order["order_id"], order["address"], order["weight_grams"])
            record_shipment(wave_id, order["order_id"], tracking, order["weight_grams"])
            notify_shipped(order["email"], order["order_id"], tracking)
        shipped.append({"order_id": order["order_id"], "tracking_number": tracking})
    return {"wave_id": wave_id, "shipped": shipped}


def _attempt_workflow_id(wave_id: str, attempt: int) -> str:
    return f"dispatch-wave-{wave_id}" if attempt == 0 else f"dispatch-wave-{wave_id}-retry-{attempt}"


def run_wave(wave_id: str) -> dict:
    """Start, resume or look up the wave's workflow and return its summary (raises if it failed)."""
    attempt = 0
    while True:
        workflow_id = _attempt_workflow_id(wave_id, attempt)
        status = DBOS.get_workflow_status(workflow_id)
        if status is None:
            with SetWorkflowID(workflow_id):
                handle = DBOS.start_workflow(dispatch_wave, wave_id, attempt)
            break
        if status.status == "ERROR":
            attempt += 1  # that attempt gave up: try the wave again under the next ID
            continue
        # Finished (recorded summary), or interrupted by a restart and being recovered by
        # DBOS.launch(): wait for it rather than running it a second time in parallel.
        handle = DBOS.retrieve_workflow(workflow_id)
        break
    return handle.get_result()


def main() -> int:
    logging.basicConfig(level=logging.INFO)
    if len(sys.argv) != 2:
        print("usage: python dispatch.py <wave-id>", file=sys.stderr)
        return 2
    wave_id = sys.argv[1]
    config: DBOSConfig = {
        "name": "wave-dispatch",
        "system_database_url": system_database_url(),
        "application_version": APP_VERSION,
    }
    ensure_schema()
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_wave(wave_id)
    except Exception as exc:
        log.error("wave %s failed: %s", wave_id, exc)
        print(f"error: wave {wave_id} failed: {exc}", file=sys.stderr)
        return 1
    finally:
        DBOS.destroy()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
