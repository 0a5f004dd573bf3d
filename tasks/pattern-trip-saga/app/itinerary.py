"""Trip requests from the agents' tool, and what we send back to it."""

import json
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Trip:
    trip_id: str
    traveler: str
    flight: str
    hotel: str
    nights: int
    car_city: str
    car_days: int


def load(path: str) -> Trip:
    data = json.loads(Path(path).read_text())
    return Trip(data["trip_id"], data["traveler"], data["flight"], data["hotel"], int(data["nights"]),
                data["car"]["city"], int(data["car"]["days"]))


def confirmed(trip: Trip, hold_id: str, booking_id: str, rental_id: str) -> dict:
    return {"trip_id": trip.trip_id, "status": "confirmed", "seat_hold": hold_id, "hotel_booking": booking_id,
            "car_rental": rental_id}


def cancelled(trip: Trip, reason: str) -> dict:
    return {"trip_id": trip.trip_id, "status": "cancelled", "reason": reason}
