"""Book a package trip for a traveler: flight seat, hotel room, rental car — all or nothing.

    python book_trip.py trips/<trip>.json

If a later booking fails, the earlier ones are undone (seat released, hotel cancelled) and the trip is
reported cancelled. Prints the outcome as one JSON line.

The trip is a DBOS workflow whose id is the trip id: running the command again attaches to it (a finished
trip prints its recorded outcome; a crashed one is finished). Every booking and every undo is its own step,
so a crash while undoing resumes after the last undo that completed. Car rental outages are retried by DBOS;
after the last attempt DBOS raises DBOSMaxStepRetriesExceeded, which also means "no car".
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, error

import airline
import cars
import hotels
import itinerary


def is_outage(exc: BaseException) -> bool:
    return isinstance(exc, cars.ServiceUnavailable)


@DBOS.step()
def hold_seat(trip: itinerary.Trip) -> str:
    return airline.hold_seat(trip.trip_id, trip.flight, trip.traveler)


@DBOS.step()
def book_room(trip: itinerary.Trip) -> str:
    return hotels.book_room(trip.trip_id, trip.hotel, trip.nights, trip.traveler)


@DBOS.step(retries_allowed=True, max_attempts=3, interval_seconds=0.2, backoff_rate=1.5, should_retry=is_outage)
def rent_car(trip: itinerary.Trip) -> str:
    return cars.rent_car(trip.trip_id, trip.car_city, trip.car_days, trip.traveler)


@DBOS.step()
def cancel_room(booking_id: str) -> None:
    hotels.cancel_booking(booking_id)


@DBOS.step()
def release_seat(hold_id: str) -> None:
    airline.release_seat(hold_id)


@DBOS.workflow()
def book(trip: itinerary.Trip) -> dict:
    hold_id = hold_seat(trip)
    booking_id = book_room(trip)
    try:
        rental_id = rent_car(trip)
    except cars.NoCarsAvailable as exc:
        reason = str(exc)
    except error.DBOSMaxStepRetriesExceeded as exc:
        reason = f"car rental unavailable: {exc.errors[-1]}"
    else:
        return itinerary.confirmed(trip, hold_id, booking_id, rental_id)
    cancel_room(booking_id)
    release_seat(hold_id)
    return itinerary.cancelled(trip, reason)


def book_once(trip: itinerary.Trip) -> dict:
    return book(trip)


def main() -> None:
    config: DBOSConfig = {
        "name": "trip-booking",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.12",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(book_once(itinerary.load(sys.argv[1]))))


if __name__ == "__main__":
    main()
