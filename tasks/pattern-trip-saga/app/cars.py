"""Our car rental partner's API (a stand-in; logs every request to `CARS_LOG`). Do not modify.

`NoCarsAvailable` is a final answer for that city and dates. `ServiceUnavailable` is their API being flaky:
asking again a moment later usually works. (Stand-in behaviour: no cars in ZRH; the service is down for
OSL; for LIS the first request of a process fails with `ServiceUnavailable`.)
"""

from collections import Counter

import partners


class NoCarsAvailable(Exception):
    pass


class ServiceUnavailable(Exception):
    pass


_requests: Counter = Counter()


def rent_car(trip_id: str, city: str, days: int, driver: str) -> str:
    _requests[city] += 1
    outcome = "rented"
    if city == "ZRH":
        outcome = "no_cars"
    elif city == "OSL" or (city == "LIS" and _requests[city] == 1):
        outcome = "unavailable"
    rental_id = f"car-{trip_id}-{len(partners.records('CARS_LOG', 'cars.jsonl')) + 1}"
    partners.log("CARS_LOG", "cars.jsonl", {"event": outcome, "trip_id": trip_id, "city": city, "days": days,
                                             "driver": driver, "rental_id": rental_id if outcome == "rented" else None})
    if outcome == "no_cars":
        raise NoCarsAvailable(f"no cars available in {city}")
    if outcome == "unavailable":
        raise ServiceUnavailable("car rental API unavailable (503)")
    return rental_id
