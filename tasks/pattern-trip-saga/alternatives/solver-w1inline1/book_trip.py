"""Book a package trip for a traveler: flight seat, hotel room, rental car — all or nothing.

    python book_trip.py trips/<trip>.json

If a later booking fails, the earlier ones are undone (seat released, hotel cancelled) and the trip is
reported cancelled. Prints the outcome as one JSON line.

The booking is a durable DBOS workflow whose ID is derived from the trip id: every partner call is a
checkpointed step, so running the command again after a crash finishes the trip (or its undo) without
repeating any call that already happened, and running it for a finished trip prints the same outcome.
Requires `DBOS_SYSTEM_DATABASE_URL`.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import airline
import cars
import hotels
import itinerary


def _car_service_flaky(exc: BaseException) -> bool:
    # Their API being flaky is worth another try; "no cars" is a final answer.
    return isinstance(exc, cars.ServiceUnavailable)


@DBOS.step()
def hold_seat(trip_id: str, flight: str, passenger: str) -> str:
    return airline.hold_seat(trip_id, flight, passenger)


@DBOS.step()
def book_room(trip_id: str, hotel: str, nights: int, guest: str) -> str:
    return hotels.book_room(trip_id, hotel, nights, guest)


@DBOS.step(
    retries_allowed=True,
    max_attempts=3,
    interval_seconds=0.3,
    backoff_rate=1.0,
    should_retry=_car_service_flaky,
)
def rent_car(trip_id: str, city: str, days: int, driver: str) -> str:
    return cars.rent_car(trip_id, city, days, driver)


@DBOS.step()
def cancel_booking(booking_id: str) -> None:
    hotels.cancel_booking(booking_id)


@DBOS.step()
def release_seat(hold_id: str) -> None:
    airline.release_seat(hold_id)


@DBOS.workflow()
def book(trip: itinerary.Trip) -> dict:
    hold_id = hold_seat(trip.trip_id, trip.flight, trip.traveler)
    booking_id = book_room(trip.trip_id, trip.hotel, trip.nights, trip.traveler)
    try:
        rental_id = rent_car(trip.trip_id, trip.car_city, trip.car_days, trip.traveler)
    except cars.NoCarsAvailable as exc:
        reason = str(exc)
    except error.DBOSMaxStepRetriesExceeded as exc:
        errors = getattr(exc, "errors", None)
        reason = str(errors[-1]) if errors else str(exc)
    else:
        return itinerary.confirmed(trip, hold_id, booking_id, rental_id)
    # Compensate in reverse order; each undo is its own step, so it runs exactly once even across crashes.
    cancel_booking(booking_id)
    release_seat(hold_id)
    return itinerary.cancelled(trip, reason)


def book_once(trip: itinerary.Trip) -> dict:
    """Book `trip` at most once: start its workflow if it never ran, otherwise wait for its outcome.

    A run killed part-way left the workflow PENDING; `DBOS.launch()` recovers it in the background, so we
    attach to it instead of executing it a second time. Needs a launched DBOS.
    """
    workflow_id = f"trip-{trip.trip_id}"
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(book, trip)
    else:
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    trip = itinerary.load(sys.argv[1])
    config: DBOSConfig = {
        "name": "book-trip",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        outcome = book_once(trip)
        print(json.dumps(outcome), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
