"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release.

usage: python checkout.py [bookings-file]      (default: bookings.json)

Each booking is a DBOS workflow (id ``checkout-<booking id>``); the inventory and gateway calls are steps,
so a restart resumes every booking where it was. The charge step retries gateway outages itself (5
attempts, 0.2 s doubling backoff); ``should_retry`` makes a decline final on its first attempt. The
workflow compensates: a decline (the original ``CardDeclined``) or exhausted retries
(``DBOSMaxStepRetriesExceeded``) release the hold. The outcome row is a transaction of a DBOS datasource on
the front-desk database: the row and DBOS's checkpoint of it commit together, so it is written exactly once.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import frontdesk_db
import psycopg
import gateway
import inventory

@DBOS.step()
def create_outcomes_table() -> None:
    with psycopg.connect(frontdesk_db.database_url(), autocommit=True) as conn:
        conn.execute(frontdesk_db.SCHEMA)


@DBOS.step()
def record_outcome(booking: dict, outcome: str, charge_id: str | None) -> None:
    with psycopg.connect(frontdesk_db.database_url(), autocommit=True) as conn:
        conn.execute(frontdesk_db.RECORD_OUTCOME, {
        "booking_id": booking["booking_id"], "outcome": outcome, "charge_id": charge_id,
        "amount_cents": booking["amount_cents"]})


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, gateway.GatewayUnavailable)


@DBOS.step()
def hold_room(booking: dict) -> str:
    return inventory.hold_room(booking["booking_id"], booking["room_type"])


@DBOS.step(retries_allowed=True, max_attempts=5, interval_seconds=0.2, backoff_rate=2.0, should_retry=is_outage)
def charge_card(booking: dict) -> str:
    return gateway.charge(booking["booking_id"], booking["card_token"], booking["amount_cents"])


@DBOS.step()
def confirm_hold(hold_id: str) -> None:
    inventory.confirm_hold(hold_id)


@DBOS.step()
def release_hold(hold_id: str) -> None:
    inventory.release_hold(hold_id)


@DBOS.workflow()
def check_out(booking: dict) -> str:
    hold_id = hold_room(booking)
    try:
        charge_id = charge_card(booking)
    except (gateway.CardDeclined, error.DBOSMaxStepRetriesExceeded) as exc:
        release_hold(hold_id)
        outcome = "declined" if isinstance(exc, gateway.CardDeclined) else "payment_unavailable"
        record_outcome(booking, outcome, None)
        return outcome
    confirm_hold(hold_id)
    record_outcome(booking, "confirmed", charge_id)
    return "confirmed"


def check_out_all(path: str) -> dict:
    bookings = json.loads(Path(path).read_text())
    handles = []
    for booking in bookings:
        with SetWorkflowID(f"checkout-{booking['booking_id']}"):
            handles.append((booking["booking_id"], DBOS.start_workflow(check_out, booking)))
    summary: dict[str, list[str]] = {"confirmed": [], "declined": [], "payment_unavailable": []}
    for booking_id, handle in handles:
        summary[handle.get_result()].append(booking_id)
    return summary


def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "bookings.json"
    config: DBOSConfig = {
        "name": "hotel-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    create_outcomes_table()
    print(json.dumps(check_out_all(path)))
    DBOS.destroy()


if __name__ == "__main__":
    main()
