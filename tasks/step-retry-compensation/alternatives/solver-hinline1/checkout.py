"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release, and
record the outcome for the front desk.

usage: python checkout.py [bookings-file]      (default: bookings.json)

Durable with DBOS (system database in DBOS_SYSTEM_DATABASE_URL): the run is a workflow whose ID is derived
from the bookings file, and each booking is a child workflow. If the process dies part-way, running the
same command again finishes the job without holding, charging, confirming/releasing or recording anything
twice; running it for a file that was already checked out just prints the recorded summary.

Retries: a charge is retried only while the gateway is unavailable (5 attempts in all, 0.2 s backoff
doubling each time); a declined card is never retried.
"""

import hashlib
import json
import os
import re
import sys
from pathlib import Path

import psycopg
from sqlalchemy import text

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource, error

import frontdesk_db
import gateway
import inventory

# Pinned so that a newer release of this script still recovers runs started by an older one.
APP_VERSION = "1"

OUTCOMES = ("confirmed", "declined", "payment_unavailable")


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (3) driver for Postgres URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The front desk's database. Datasource transactions commit a row together with DBOS's record of it,
# so each outcome row is written exactly once, even if the process dies right after the commit.
frontdesk = SQLAlchemyDatasource.create(_sqlalchemy_url(frontdesk_db.database_url()))

# frontdesk_db's SQL uses psycopg's %(name)s placeholders; SQLAlchemy's text() wants :name.
_RECORD_OUTCOME = text(re.sub(r"%\((\w+)\)s", r":\1", frontdesk_db.RECORD_OUTCOME))


def ensure_schema() -> None:
    with psycopg.connect(frontdesk_db.database_url(), autocommit=True) as conn:
        conn.execute(frontdesk_db.SCHEMA)


@DBOS.step()
def hold_room(booking_id: str, room_type: str) -> str:
    return inventory.hold_room(booking_id, room_type)


def _gateway_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, gateway.GatewayUnavailable)


@DBOS.step(
    retries_allowed=True,
    max_attempts=5,
    interval_seconds=0.2,
    backoff_rate=2.0,
    should_retry=_gateway_unavailable,  # only outages are retried, never a declined card
)
def charge_card(booking_id: str, card_token: str, amount_cents: int) -> str | None:
    """Charge the card; returns the charge id, or None if the card was declined (final)."""
    try:
        return gateway.charge(booking_id, card_token, amount_cents)
    except gateway.CardDeclined:
        return None


@DBOS.step()
def confirm_hold(hold_id: str) -> None:
    inventory.confirm_hold(hold_id)


@DBOS.step()
def release_hold(hold_id: str) -> None:
    inventory.release_hold(hold_id)


@frontdesk.transaction()
def record_outcome(booking_id: str, outcome: str, charge_id: str | None, amount_cents: int) -> None:
    frontdesk.sql_session().execute(
        _RECORD_OUTCOME,
        {"booking_id": booking_id, "outcome": outcome, "charge_id": charge_id,
         "amount_cents": amount_cents},
    )


@DBOS.workflow()
def check_out(booking: dict) -> str:
    """Check out one booking; returns its outcome."""
    hold_id = hold_room(booking["booking_id"], booking["room_type"])
    try:
        charge_id = charge_card(booking["booking_id"], booking["card_token"], booking["amount_cents"])
        outcome = "confirmed" if charge_id is not None else "declined"
    except (error.DBOSMaxStepRetriesExceeded, gateway.GatewayUnavailable):
        charge_id = None
        outcome = "payment_unavailable"
    if outcome == "confirmed":
        confirm_hold(hold_id)
    else:
        release_hold(hold_id)  # compensation: the room goes back on sale
    record_outcome(booking["booking_id"], outcome, charge_id, booking["amount_cents"])
    return outcome


@DBOS.workflow()
def check_out_all(bookings: list[dict]) -> dict:
    # One child workflow per booking, run side by side; one booking's failure doesn't stop the others.
    handles = [DBOS.start_workflow(check_out, booking) for booking in bookings]
    summary: dict[str, list[str]] = {outcome: [] for outcome in OUTCOMES}
    first_error: Exception | None = None
    for booking, handle in zip(bookings, handles):
        try:
            summary[handle.get_result()].append(booking["booking_id"])
        except Exception as exc:
            DBOS.logger.error(f"checkout of booking {booking['booking_id']} failed: {exc!r}")
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    return summary


def run(path: str) -> dict:
    """Check out the file (or finish / look up its run if it was started before); returns the summary."""
    content = Path(path).read_text()
    bookings = json.loads(content)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    workflow_id = f"checkout-{os.path.basename(path)}-{digest}"

    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and status.status in ("PENDING", "ENQUEUED"):
        # Interrupted run: DBOS.launch() recovers it (and its bookings) in the background.
        handle = DBOS.retrieve_workflow(workflow_id)
    else:
        # New run, or one that already finished (its recorded summary is returned).
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(check_out_all, bookings)
    return handle.get_result()


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "bookings.json"
    config: DBOSConfig = {
        "name": "night-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    ensure_schema()
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run(path)
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
