"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release, and
record the outcome for the front desk.

usage: python checkout.py [bookings-file]      (default: bookings.json)
"""

import json
import sys
import time
from pathlib import Path

import psycopg

import frontdesk_db
import gateway
import inventory


def record_outcome(booking: dict, outcome: str, charge_id: str | None) -> None:
    with psycopg.connect(frontdesk_db.database_url(), autocommit=True) as conn:
        conn.execute(frontdesk_db.SCHEMA)
        conn.execute(frontdesk_db.RECORD_OUTCOME, {"booking_id": booking["booking_id"], "outcome": outcome,
                                                   "charge_id": charge_id, "amount_cents": booking["amount_cents"]})


def check_out(booking: dict) -> str:
    hold_id = inventory.hold_room(booking["booking_id"], booking["room_type"])
    for attempt in range(3):
        try:
            charge_id = gateway.charge(booking["booking_id"], booking["card_token"], booking["amount_cents"])
            inventory.confirm_hold(hold_id)
            record_outcome(booking, "confirmed", charge_id)
            return "confirmed"
        except Exception:
            time.sleep(1)
    inventory.release_hold(hold_id)
    record_outcome(booking, "failed", None)
    return "failed"


def main(path: str) -> dict:
    outcomes: dict[str, list[str]] = {"confirmed": [], "failed": []}
    for booking in json.loads(Path(path).read_text()):
        outcomes[check_out(booking)].append(booking["booking_id"])
    return outcomes


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "bookings.json")))
