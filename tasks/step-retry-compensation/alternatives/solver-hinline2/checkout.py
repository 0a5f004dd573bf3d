"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release, and
record the outcome for the front desk.

usage: python checkout.py [bookings-file]      (default: bookings.json)

Each booking is checked out by a durable DBOS workflow with ID ``checkout-<booking id>`` (system database
in DBOS_SYSTEM_DATABASE_URL). If the process dies part-way, running the same command again finishes the
job: DBOS resumes each interrupted checkout from its last completed step, so no room is held twice, no card
is charged twice and every booking's outcome is recorded exactly once. Bookings already checked out return
their recorded outcome without doing anything again.
"""

import json
import logging
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource, error

import frontdesk_db
import gateway
import inventory

log = logging.getLogger("checkout")

OUTCOMES = ("confirmed", "declined", "payment_unavailable")

# Pinned so that a restarted (or redeployed) process recovers the checkouts the previous one left unfinished.
APPLICATION_VERSION = "1.0.0"


def _sqlalchemy_url(url: str) -> str:
    """Use the psycopg (3) driver for plain Postgres URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


# The front desk's database. Created before DBOS.launch(); an outcome row is written in a transaction that
# commits together with DBOS's checkpoint of it, so it is written exactly once.
frontdesk = SQLAlchemyDatasource.create(_sqlalchemy_url(frontdesk_db.database_url()))


@DBOS.step()
def hold_room(booking: dict) -> str:
    return inventory.hold_room(booking["booking_id"], booking["room_type"])


def _gateway_unavailable(exc: BaseException) -> bool:
    # Only outages are retried; a declined card is final and must never be charged again.
    return isinstance(exc, gateway.GatewayUnavailable)


@DBOS.step(
    retries_allowed=True,
    max_attempts=5,
    interval_seconds=0.2,
    backoff_rate=2.0,
    should_retry=_gateway_unavailable,
)
def charge_card(booking: dict) -> str:
    return gateway.charge(booking["booking_id"], booking["card_token"], booking["amount_cents"])


@DBOS.step()
def confirm_hold(hold_id: str) -> None:
    inventory.confirm_hold(hold_id)


@DBOS.step()
def release_hold(hold_id: str) -> None:
    inventory.release_hold(hold_id)


@frontdesk.transaction()
def record_outcome(booking: dict, outcome: str, charge_id: str | None) -> None:
    conn = frontdesk.sql_session().connection()
    conn.exec_driver_sql(frontdesk_db.SCHEMA)
    conn.exec_driver_sql(frontdesk_db.RECORD_OUTCOME, {"booking_id": booking["booking_id"], "outcome": outcome,
                                                       "charge_id": charge_id,
                                                       "amount_cents": booking["amount_cents"]})


@DBOS.workflow()
def check_out(booking: dict) -> str:
    hold_id = hold_room(booking)
    charge_id = None
    try:
        charge_id = charge_card(booking)
        outcome = "confirmed"
    except gateway.CardDeclined:
        outcome = "declined"
    except error.DBOSMaxStepRetriesExceeded:
        outcome = "payment_unavailable"
    if outcome == "confirmed":
        confirm_hold(hold_id)
    else:
        release_hold(hold_id)
    record_outcome(booking, outcome, charge_id)
    return outcome


def check_out_once(booking: dict) -> str:
    """Check the booking out, resume its interrupted checkout, or return its recorded outcome."""
    workflow_id = f"checkout-{booking['booking_id']}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: DBOS.launch() recovers it if it was interrupted; if it finished,
        # this returns its recorded outcome.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(check_out, booking)
    return handle.get_result()


def main(path: str) -> dict:
    outcomes: dict[str, list[str]] = {outcome: [] for outcome in OUTCOMES}
    for booking in json.loads(Path(path).read_text()):
        try:
            outcome = check_out_once(booking)
        except Exception:
            # One booking's failure must not stop the others.
            log.exception("checkout of booking %s failed", booking.get("booking_id"))
            continue
        outcomes[outcome].append(booking["booking_id"])
    return outcomes


def cli() -> None:
    logging.basicConfig(level=logging.INFO)
    path = sys.argv[1] if len(sys.argv) > 1 else "bookings.json"
    config: DBOSConfig = {
        "name": "night-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = main(path)
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    cli()
