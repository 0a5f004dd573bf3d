"""Book a package trip for a traveler: flight seat, hotel room, rental car — all or nothing.

    python book_trip.py trips/<trip>.json

If a later booking fails, the earlier ones are undone (seat released, hotel cancelled) and the trip is
reported cancelled. Prints the outcome as one JSON line.

Durable with DBOS (system database: DBOS_SYSTEM_DATABASE_URL): booking a trip is a workflow whose ID is
derived from the trip id, and every partner call (booking or undo) is a checkpointed step. Running the
command again for a trip returns its recorded outcome, or, after a crash, finishes the trip (including an
interrupted undo) without repeating any call that already happened.
"""

import dataclasses
import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import airline
import cars
import hotels
import itinerary

CAR_ATTEMPTS = 3


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database (Postgres)")
    return url


def is_service_unavailable(exc: BaseException) -> bool:
    return isinstance(exc, cars.ServiceUnavailable)


@DBOS.step()
def hold_seat(trip_id: str, flight: str, traveler: str) -> str:
    return airline.hold_seat(trip_id, flight, traveler)


@DBOS.step()
def book_room(trip_id: str, hotel: str, nights: int, traveler: str) -> str:
    return hotels.book_room(trip_id, hotel, nights, traveler)


@DBOS.step(
    retries_allowed=True,
    max_attempts=CAR_ATTEMPTS,
    interval_seconds=0.3,
    backoff_rate=1.0,
    should_retry=is_service_unavailable,  # NoCarsAvailable is final: raised at once
)
def rent_car(trip_id: str, city: str, days: int, driver: str) -> str:
    return cars.rent_car(trip_id, city, days, driver)


@DBOS.step()
def cancel_booking(booking_id: str) -> None:
    hotels.cancel_booking(booking_id)


@DBOS.step()
def release_seat(hold_id: str) -> None:
    airline.release_seat(hold_id)


def _retries_exhausted_reason(exc: error.DBOSMaxStepRetriesExceeded) -> str:
    errors = getattr(exc, "errors", None) or []
    return str(errors[-1]) if errors else str(exc)


@DBOS.workflow()
def book_trip_workflow(trip_data: dict) -> dict:
    trip = itinerary.Trip(**trip_data)
    hold_id = hold_seat(trip.trip_id, trip.flight, trip.traveler)
    booking_id = book_room(trip.trip_id, trip.hotel, trip.nights, trip.traveler)
    try:
        rental_id = rent_car(trip.trip_id, trip.car_city, trip.car_days, trip.traveler)
    except (cars.NoCarsAvailable, cars.ServiceUnavailable) as exc:
        reason = str(exc)
    except error.DBOSMaxStepRetriesExceeded as exc:
        reason = _retries_exhausted_reason(exc)
    else:
        return itinerary.confirmed(trip, hold_id, booking_id, rental_id)
    # Compensate, each undo a step: after a crash the next run finishes the undo without repeating it.
    cancel_booking(booking_id)
    release_seat(hold_id)
    return itinerary.cancelled(trip, reason)


def book(trip: itinerary.Trip) -> dict:
    """Books (or finishes, or looks up) the trip's workflow. Needs a launched DBOS."""
    workflow_id = f"trip-{trip.trip_id}"
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(book_trip_workflow, dataclasses.asdict(trip))
    else:
        # An earlier run started it: DBOS.launch() recovers it if unfinished; otherwise it is done.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python book_trip.py trips/<trip>.json")
    trip = itinerary.load(sys.argv[1])
    config: DBOSConfig = {
        "name": "trip-booking",
        "system_database_url": system_database_url(),
        # Pinned: a re-run recovers the trip workflows of a process that died.
        "application_version": os.environ.get("BOOK_TRIP_APP_VERSION", "1.0.0"),
        "run_admin_server": False,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        outcome = book(trip)
    finally:
        DBOS.destroy()
    print(json.dumps(outcome), flush=True)


if __name__ == "__main__":
    main()
