"""Room inventory: a held room is kept out of sale until it is confirmed or released. Do not modify."""

import json
import os
import threading
import time
from pathlib import Path

import ops_drill

HOLDS_LOG = Path(os.environ.get("INVENTORY_HOLDS_LOG", "holds.jsonl"))
EVENTS_LOG = Path(os.environ.get("INVENTORY_EVENTS_LOG", "hold_events.jsonl"))
_lock = threading.Lock()


def _call(latency_s: float, path: Path, record: dict) -> None:
    with ops_drill.external_call():
        time.sleep(latency_s)
        with _lock, path.open("a") as log:
            log.write(json.dumps(record) + "\n")


def hold_room(booking_id: str, room_type: str) -> str:
    """Take a room of this type out of sale for the booking; returns the hold id."""
    hold_id = f"hold-{booking_id}"
    _call(0.05, HOLDS_LOG, {"hold_id": hold_id, "booking_id": booking_id, "room_type": room_type})
    return hold_id


def confirm_hold(hold_id: str) -> None:
    """The booking is paid: the room is the guest's."""
    _call(0.02, EVENTS_LOG, {"hold_id": hold_id, "event": "confirmed"})


def release_hold(hold_id: str) -> None:
    """Put the room back on sale."""
    _call(0.02, EVENTS_LOG, {"hold_id": hold_id, "event": "released"})
