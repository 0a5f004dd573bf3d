"""Check out the night's pending bookings: hold the room, charge the card, then confirm or release.

usage: python checkout.py [bookings-file]      (default: bookings.json)
"""

import json
import sys
import time
from pathlib import Path

import gateway
import inventory


def check_out(booking: dict) -> str:
    hold_id = inventory.hold_room(booking["booking_id"], booking["room_type"])
    for attempt in range(3):
        try:
            gateway.charge(booking["booking_id"], booking["card_token"], booking["amount_cents"])
            inventory.confirm_hold(hold_id)
            return "confirmed"
        except Exception:
            time.sleep(1)
    inventory.release_hold(hold_id)
    return "failed"


def main(path: str) -> dict:
    outcomes: dict[str, list[str]] = {"confirmed": [], "failed": []}
    for booking in json.loads(Path(path).read_text()):
        outcomes[check_out(booking)].append(booking["booking_id"])
    return outcomes


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1] if len(sys.argv) > 1 else "bookings.json")))
