"""Checkout runs against the sandbox gateway's test cards (see gateway.py)."""

import json
from collections import Counter

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

CARDS = {"ok": "tok_ok", "flaky2": "tok_flaky_2", "flaky4": "tok_flaky_4", "declined": "tok_declined",
         "down": "tok_down"}
EXPECTED = {"confirmed": {"ok", "flaky2", "flaky4"}, "declined": {"declined"}, "payment_unavailable": {"down"}}
ATTEMPTS = {"ok": 1, "flaky2": 3, "flaky4": 5, "declined": 1, "down": 5}
BACKOFF = [0.2, 0.4, 0.8, 1.6]


def write_bookings(tag: str, kinds: list[str]) -> tuple[str, dict[str, str]]:
    ids = {f"{tag}-{kind}": kind for kind in kinds}
    bookings = [{"booking_id": bid, "room_type": "double", "card_token": CARDS[kind], "amount_cents": 10000}
                for bid, kind in ids.items()]
    path = f"bookings-{tag}.json"
    (WORKSPACE / path).write_text(json.dumps(bookings))
    return path, ids


def env_for(tag: str) -> dict[str, str]:
    return {"GATEWAY_ATTEMPTS_LOG": f"attempts-{tag}.jsonl", "GATEWAY_CHARGES_LOG": f"charges-{tag}.jsonl",
            "INVENTORY_HOLDS_LOG": f"holds-{tag}.jsonl", "INVENTORY_EVENTS_LOG": f"events-{tag}.jsonl"}


def run(path: str, tag: str, **extra: str):
    return run_program("checkout.py", path, env={**env_for(tag), **extra}, executor=f"night-{tag}", timeout=60)


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def by_kind(summary: dict, ids: dict[str, str]) -> dict[str, set[str]]:
    return {outcome: {ids[b] for b in summary.get(outcome, [])} for outcome in EXPECTED}


def assert_settled_once(tag: str, ids: dict[str, str]) -> None:
    holds = Counter(h["booking_id"] for h in read_jsonl(f"holds-{tag}.jsonl"))
    assert holds == Counter(list(ids)), f"holds per booking: {dict(holds)}"
    events = read_jsonl(f"events-{tag}.jsonl")
    per_hold = Counter(e["hold_id"] for e in events)
    assert all(n == 1 for n in per_hold.values()) and len(per_hold) == len(ids), (
        f"every hold must be confirmed or released exactly once: {events}")
    confirmed = {e["hold_id"] for e in events if e["event"] == "confirmed"}
    charged = Counter(c["booking_id"] for c in read_jsonl(f"charges-{tag}.jsonl"))
    assert all(n == 1 for n in charged.values()), f"a card was charged twice: {dict(charged)}"
    assert {f"hold-{b}" for b in charged} == confirmed, "confirmed holds and charges don't match"
    expected_confirmed = {b for b, kind in ids.items() if kind in EXPECTED["confirmed"]}
    assert set(charged) == expected_confirmed


@pytest.fixture(scope="module")
def night():
    path, ids = write_bookings("n1", list(CARDS))
    done = run(path, "n1")
    assert done.returncode == 0, done.stderr[-3000:]
    return path, ids, done


def test_every_booking_gets_its_outcome(night):
    _, ids, done = night
    assert by_kind(summary_of(done.stdout), ids) == EXPECTED
    attempts = Counter(ids[a["booking_id"]] for a in read_jsonl("attempts-n1.jsonl"))
    assert attempts["declined"] == 1, f"the declined card was charged {attempts['declined']} times"
    assert dict(attempts) == ATTEMPTS, f"charge attempts per card: {dict(attempts)}, expected {ATTEMPTS}"
    assert_settled_once("n1", ids)


def test_outages_are_retried_with_doubling_backoff(night):
    _, ids, _ = night
    down = next(b for b, kind in ids.items() if kind == "down")
    times = [a["at"] for a in read_jsonl("attempts-n1.jsonl") if a["booking_id"] == down]
    assert len(times) == 5, f"{len(times)} attempts for a gateway that stays down, expected 5"
    waits = [later - earlier for earlier, later in zip(times, times[1:], strict=False)]
    for n, (wait, expected) in enumerate(zip(waits, BACKOFF, strict=True), start=1):
        assert 0.8 * expected <= wait <= expected + 0.6, (
            f"waited {wait:.2f}s before attempt {n + 1}, expected about {expected}s (waits: "
            f"{', '.join(f'{w:.2f}' for w in waits)})")


def test_rerunning_a_finished_night_does_nothing(night):
    path, ids, done = night
    before = {name: len(read_jsonl(f"{name}-n1.jsonl")) for name in ("attempts", "holds", "events", "charges")}
    again = run(path, "n1")
    assert again.returncode == 0, again.stderr[-3000:]
    after = {name: len(read_jsonl(f"{name}-n1.jsonl")) for name in before}
    assert after == before, f"a re-run did work again: {before} -> {after}"
    assert by_kind(summary_of(again.stdout), ids) == by_kind(summary_of(done.stdout), ids)


def test_a_restart_after_a_crash_settles_every_booking_once():
    path, ids = write_bookings("n2", ["ok", "flaky2", "down", "flaky4"])
    crashed = run(path, "n2", GATEWAY_CRASH_ON_CALL="2")
    assert_crashed_at_drill(crashed, "holds-n2.jsonl", "attempts-n2.jsonl")
    resumed = run(path, "n2")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = by_kind(summary_of(resumed.stdout), ids)
    assert summary == {"confirmed": {"ok", "flaky2", "flaky4"}, "declined": set(), "payment_unavailable": {"down"}}
    assert_settled_once("n2", ids)
