"""Checkout runs against the sandbox gateway's test cards (see gateway.py); outcomes land in the front desk's
`checkout_outcomes` table, written by DBOS datasource transactions as the prompt asks."""

import json
from collections import Counter

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, import_fresh, read_jsonl, run_program, sql

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


def outcome_rows(ids: dict[str, str]) -> list[tuple[str, str, str | None]]:
    """(booking_id, outcome, charge_id) rows of checkout_outcomes for these bookings, sorted."""
    return sorted(sql("SELECT booking_id, outcome, charge_id FROM checkout_outcomes WHERE booking_id = ANY(%s)",
                      (list(ids),)))


# At the commit of every transaction that writes a checkout_outcomes row, record whether the same transaction
# also committed a DBOS datasource checkpoint (a datasource_outputs row, in whatever schema). Checkpoints are
# deleted when a workflow finishes, so this is checked at commit time, by a deferred trigger. (`%%` because
# psycopg formats these statements.)
AUDIT = [
    "CREATE TABLE IF NOT EXISTS outcome_audit (booking_id text NOT NULL, with_checkpoint boolean NOT NULL)",
    """CREATE OR REPLACE FUNCTION audit_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        s text;
        hit boolean;
        found boolean := false;
    BEGIN
        FOR s IN SELECT table_schema FROM information_schema.tables WHERE table_name = 'datasource_outputs' LOOP
            EXECUTE format('SELECT EXISTS (SELECT 1 FROM %%I.datasource_outputs WHERE xmin::text = $1)', s)
                INTO hit USING (txid_current() %% 4294967296)::text;
            found := found OR hit;
        END LOOP;
        INSERT INTO outcome_audit (booking_id, with_checkpoint) VALUES (NEW.booking_id, found);
        RETURN NULL;
    END $$""",
    "DROP TRIGGER IF EXISTS outcome_audit ON checkout_outcomes",
    """CREATE CONSTRAINT TRIGGER outcome_audit AFTER INSERT ON checkout_outcomes
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_outcome()""",
]


@pytest.fixture(scope="module", autouse=True)
def audited_outcomes():
    """The front desk's table as frontdesk_db.SCHEMA creates it (the prompt: create it if it isn't there),
    with the commit-time audit above."""
    sql(import_fresh("frontdesk_db").SCHEMA.replace("%", "%%"))  # the app's SQL, which the model keeps
    for statement in AUDIT:
        sql(statement)


def assert_outcomes_recorded_once(summary: dict, ids: dict[str, str], tag: str) -> None:
    charges = {c["booking_id"]: c["charge_id"] for c in read_jsonl(f"charges-{tag}.jsonl")}
    expected = sorted((b, outcome, charges.get(b) if outcome == "confirmed" else None)
                      for outcome, bookings in summary.items() for b in bookings if b in ids)
    assert outcome_rows(ids) == expected, "checkout_outcomes does not hold exactly one row per booking's outcome"
    audit = sql("SELECT booking_id, with_checkpoint FROM outcome_audit WHERE booking_id = ANY(%s)", (list(ids),))
    plain = sorted(b for b, with_checkpoint in audit if not with_checkpoint)
    assert not plain, (f"the outcome rows of {plain} were not written by DBOS datasource transactions (no DBOS "
                       "checkpoint committed with them)")


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
    assert_outcomes_recorded_once(summary_of(done.stdout), ids, "n1")
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
    assert_outcomes_recorded_once(summary_of(again.stdout), ids, "n1")


def test_a_restart_after_a_crash_settles_every_booking_once():
    path, ids = write_bookings("n2", ["ok", "flaky2", "down", "flaky4"])
    crashed = run(path, "n2", GATEWAY_CRASH_ON_CALL="2")
    assert_crashed_at_drill(crashed, "holds-n2.jsonl", "attempts-n2.jsonl")
    resumed = run(path, "n2")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    summary = by_kind(summary_of(resumed.stdout), ids)
    assert summary == {"confirmed": {"ok", "flaky2", "flaky4"}, "declined": set(), "payment_unavailable": {"down"}}
    assert_settled_once("n2", ids)
    assert_outcomes_recorded_once(summary_of(resumed.stdout), ids, "n2")
