"""Our airline partner's booking API (a stand-in; logs to `AIRLINE_LOG`). Do not modify.

A held seat costs us money until it is released; releasing a hold twice is billed as two changes.
"""

import partners


def hold_seat(trip_id: str, flight: str, passenger: str) -> str:
    hold_id = f"hold-{trip_id}-{len(partners.records('AIRLINE_LOG', 'airline.jsonl')) + 1}"
    partners.log("AIRLINE_LOG", "airline.jsonl", {"event": "hold", "trip_id": trip_id, "flight": flight,
                                                   "passenger": passenger, "hold_id": hold_id})
    return hold_id


def release_seat(hold_id: str) -> None:
    partners.before_undo()
    partners.log("AIRLINE_LOG", "airline.jsonl", {"event": "release", "hold_id": hold_id})
