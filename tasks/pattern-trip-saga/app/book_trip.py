"""Book a package trip for a traveler: flight seat, hotel room, rental car — all or nothing.

    python book_trip.py trips/<trip>.json

If a later booking fails, the earlier ones are undone (seat released, hotel cancelled) and the trip is
reported cancelled. Prints the outcome as one JSON line.
"""

import json
import sys
import time

import airline
import cars
import hotels
import itinerary


def rent_with_retries(trip: itinerary.Trip) -> str:
    for attempt in range(3):
        try:
            return cars.rent_car(trip.trip_id, trip.car_city, trip.car_days, trip.traveler)
        except cars.ServiceUnavailable:
            if attempt == 2:
                raise
            time.sleep(0.3)
    raise AssertionError("unreachable")


def book(trip: itinerary.Trip) -> dict:
    hold_id = airline.hold_seat(trip.trip_id, trip.flight, trip.traveler)
    booking_id = hotels.book_room(trip.trip_id, trip.hotel, trip.nights, trip.traveler)
    try:
        rental_id = rent_with_retries(trip)
    except (cars.NoCarsAvailable, cars.ServiceUnavailable) as exc:
        hotels.cancel_booking(booking_id)
        airline.release_seat(hold_id)
        return itinerary.cancelled(trip, str(exc))
    return itinerary.confirmed(trip, hold_id, booking_id, rental_id)


if __name__ == "__main__":
    print(json.dumps(book(itinerary.load(sys.argv[1]))))
