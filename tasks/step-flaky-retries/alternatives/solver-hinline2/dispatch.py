"""Dispatch a pick wave: buy a shipping label for every order in the wave, record it in the shipments
ledger and tell the customer.

    python dispatch.py <wave-id>

The wave runs as a durable DBOS workflow (workflow ID ``dispatch-<wave-id>``) checkpointed in the system
database named by DBOS_SYSTEM_DATABASE_URL:

- a label request is retried while the carrier is unavailable (0.25 s, 0.5 s, 1 s backoff, 4 attempts in
  total); when it gives up the wave fails and the command exits non-zero;
- if the process dies, running the command again continues the wave where it stopped: every order gets
  exactly one label, one ledger row and one email;
- re-running a finished wave prints the recorded summary and buys nothing;
- re-running a failed wave (e.g. once the carrier is back) continues it from the order that failed,
  without buying the labels it already bought again.
"""

import json
import logging
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import carrier
import notify
import shipments_db

log = logging.getLogger("dispatch")

# Pinned so that a restarted (or redeployed) process recovers the waves the previous one left unfinished.
APPLICATION_VERSION = "1.0.0"


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (3) driver for plain Postgres URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The shipments ledger. Created before DBOS.launch(); each ledger write is a transaction on it that commits
# together with DBOS's checkpoint of that write.
ledger = SQLAlchemyDatasource.create(_sqlalchemy_url(shipments_db.database_url()))


def load_wave(wave_id: str) -> list[dict]:
    return json.loads(Path("waves.json").read_text())[wave_id]


@DBOS.step()
def load_wave_step(wave_id: str) -> list[dict]:
    return load_wave(wave_id)


def _carrier_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, carrier.CarrierUnavailable)


@DBOS.step(
    retries_allowed=True,
    max_attempts=4,
    interval_seconds=0.25,
    backoff_rate=2.0,
    should_retry=_carrier_unavailable,
)
def create_label(order: dict) -> str:
    """Buy the order's shipping label; returns its tracking number."""
    return carrier.create_label(order["order_id"], order["address"], order["weight_grams"])


@ledger.transaction()
def record_shipment(wave_id: str, order: dict, tracking: str) -> None:
    conn = ledger.sql_session().connection()
    conn.exec_driver_sql(shipments_db.SCHEMA)
    params = {"wave_id": wave_id, "order_id": order["order_id"], "tracking_number": tracking,
              "weight_grams": order["weight_grams"]}
    already_recorded = conn.exec_driver_sql(
        "SELECT 1 FROM shipments WHERE order_id = %(order_id)s AND tracking_number = %(tracking_number)s",
        params,
    ).first()
    if already_recorded is None:
        conn.exec_driver_sql(shipments_db.RECORD_SHIPMENT, params)


@DBOS.step()
def email_customer(order: dict, tracking: str) -> None:
    notify.shipped(order["email"], order["order_id"], tracking)


@DBOS.workflow()
def dispatch_wave(wave_id: str) -> dict:
    shipped = []
    for order in load_wave_step(wave_id):
        tracking = create_label(order)
        record_shipment(wave_id, order, tracking)
        email_customer(order, tracking)
        shipped.append({"order_id": order["order_id"], "tracking_number": tracking})
    return {"wave_id": wave_id, "shipped": shipped}


def _resume_step(workflow_id: str) -> int:
    """The step a failed wave must be continued from: the one that failed (earlier steps are reused)."""
    steps = DBOS.list_workflow_steps(workflow_id)
    failed = [s["function_id"] for s in steps if s["error"] is not None]
    if failed:
        return min(failed)
    return max((s["function_id"] for s in steps), default=-1) + 1


def run_wave(wave_id: str) -> dict:
    """Run the wave once: start it, attach to the unfinished run, or return the finished run's summary.

    A failed run (``dispatch-<wave>``, then ``dispatch-<wave>-retry-<n>``) is continued by forking it from
    the step that failed, so the labels, ledger rows and emails done before it are not repeated.
    """
    base_id = f"dispatch-{wave_id}"
    workflow_id = base_id
    failed_id = None
    attempt = 0
    while True:
        status = DBOS.get_workflow_status(workflow_id)
        if status is None:
            break
        if status.status != "ERROR":
            # Finished (recorded summary) or unfinished (recovered by DBOS.launch()): wait for it.
            return DBOS.retrieve_workflow(workflow_id).get_result()
        failed_id = workflow_id
        attempt += 1
        workflow_id = f"{base_id}-retry-{attempt}"
    with SetWorkflowID(workflow_id):
        if failed_id is None:
            handle = DBOS.start_workflow(dispatch_wave, wave_id)
        else:
            log.info("continuing failed wave run %s as %s", failed_id, workflow_id)
            handle = DBOS.fork_workflow(failed_id, _resume_step(failed_id))
    return handle.get_result()


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    if len(sys.argv) != 2:
        sys.exit("usage: python dispatch.py <wave-id>")
    wave_id = sys.argv[1]
    config: DBOSConfig = {
        "name": "dispatch",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_wave(wave_id)
    except Exception as exc:
        DBOS.destroy()
        sys.exit(f"wave {wave_id} failed: {type(exc).__name__}: {exc}")
    DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
