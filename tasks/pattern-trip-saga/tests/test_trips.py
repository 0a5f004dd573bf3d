"""A trip is booked at most once per trip id; when the car can't be rented every booking is undone exactly
once, also when the process dies in the middle of undoing and the command is run again."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program


def write_trip(tag: str, city: str) -> str:
    trip = {"trip_id": f"T-{tag}", "traveler": f"Traveler {tag}", "flight": f"XX {tag}", "hotel": f"Hotel {tag}",
            "nights": 3, "car": {"city": city, "days": 3}}
    folder = WORKSPACE / "trips-test"
    folder.mkdir(exist_ok=True)
    (folder / f"{tag}.json").write_text(json.dumps(trip))
    return f"trips-test/{tag}.json"


def run(path: str, tag: str, **env: str):
    # One executor id per test: a restart recovers only that test's trip, never another test's.
    files = {"AIRLINE_LOG": f"airline-{tag}.jsonl", "HOTELS_LOG": f"hotels-{tag}.jsonl", "CARS_LOG": f"cars-{tag}.jsonl"}
    return run_program("book_trip.py", path, env={**files, **env}, executor=f"trips-{tag}", timeout=50)


def outcome_of(done) -> dict:
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def events(service: str, tag: str) -> Counter:
    return Counter(r["event"] for r in read_jsonl(f"{service}-{tag}.jsonl"))


def assert_undone_once(tag: str) -> None:
    airline, hotels = read_jsonl(f"airline-{tag}.jsonl"), read_jsonl(f"hotels-{tag}.jsonl")
    assert events("airline", tag) == Counter({"hold": 1, "release": 1}), f"seat: {airline}"
    assert events("hotels", tag) == Counter({"book": 1, "cancel": 1}), f"hotel: {hotels}"
    assert airline[1]["hold_id"] == airline[0]["hold_id"] and hotels[1]["booking_id"] == hotels[0]["booking_id"]
    assert events("cars", tag)["rented"] == 0


def test_trip_with_a_car_is_confirmed_once_even_when_run_again():
    path = write_trip("ok", "LIS")  # the rental API fails the first request of a process, then works
    first = outcome_of(run(path, "ok"))
    again = outcome_of(run(path, "ok"))
    assert first["status"] == "confirmed" and first["trip_id"] == "T-ok"
    assert again == first
    assert events("airline", "ok") == Counter({"hold": 1})
    assert events("hotels", "ok") == Counter({"book": 1})
    assert events("cars", "ok")["rented"] == 1
    rental = next(r for r in read_jsonl("cars-ok.jsonl") if r["event"] == "rented")
    assert first["car_rental"] == rental["rental_id"]
    assert first["seat_hold"] == read_jsonl("airline-ok.jsonl")[0]["hold_id"]
    assert first["hotel_booking"] == read_jsonl("hotels-ok.jsonl")[0]["booking_id"]


def test_no_cars_undoes_the_seat_and_the_hotel_once():
    outcome = outcome_of(run(write_trip("nocar", "ZRH"), "nocar"))
    assert outcome["status"] == "cancelled" and outcome["trip_id"] == "T-nocar"
    assert_undone_once("nocar")


def test_car_rental_outage_is_retried_then_the_trip_is_undone_once():
    outcome = outcome_of(run(write_trip("down", "OSL"), "down"))
    assert outcome["status"] == "cancelled"
    assert 2 <= events("cars", "down")["unavailable"] <= 3, "the outage was not retried (or retried too often)"
    assert_undone_once("down")


def test_crash_while_undoing_then_run_again_finishes_the_undo_once():
    path = write_trip("crash", "ZRH")
    crashed = run(path, "crash", TRAVEL_CRASH_ON_UNDO="2")  # dies after the first undo, before the second
    assert_crashed_at_drill(crashed, "airline-crash.jsonl", "hotels-crash.jsonl")
    undone = events("airline", "crash")["release"] + events("hotels", "crash")["cancel"]
    assert undone <= 1, "the drill kills the run before its second undo takes effect"
    outcome = outcome_of(run(path, "crash"))
    assert outcome["status"] == "cancelled" and outcome["trip_id"] == "T-crash"
    assert_undone_once("crash")
    assert outcome_of(run(path, "crash")) == outcome
    assert_undone_once("crash")
