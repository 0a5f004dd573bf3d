"""The API, served the way uvicorn serves it (FastAPI's lifespan runs): it pays creators exactly once, and it
owns the Monday payout schedule (`weekly-payouts`)."""

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from dbos_evalkit import import_fresh, read_jsonl, run_program, wait_until

LEDGER, OUTBOX = "transfers-api.jsonl", "statements-api.jsonl"
MONDAY = datetime(2024, 12, 2, 6, tzinfo=UTC)  # the tick that pays 2024-W48
W48_PAID = {"cr-ada": 21000, "cr-bo": 9990, "cr-di": 90500, "cr-ed": 4400, "cr-gi": 12000}


@pytest.fixture(scope="module")
def client():
    from fastapi.testclient import TestClient

    with pytest.MonkeyPatch.context() as env:
        env.setenv("BANK_LEDGER", LEDGER)
        env.setenv("STATEMENTS_OUTBOX", OUTBOX)
        api = import_fresh("api")
        with TestClient(api.app) as http:
            yield http


def transfers_to(creator_id: str) -> list[dict]:
    return [t for t in read_jsonl(LEDGER) if t["creator_id"] == creator_id]


def test_health_endpoint(client):
    assert client.get("/healthz").status_code == 200


def test_paying_a_creator_transfers_and_sends_a_statement(client):
    response = client.post("/payouts/cr-ada", params={"period": "2024-W47"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "paid" and body["amount_cents"] == 19900
    [transfer] = transfers_to("cr-ada")
    assert body["transfer_id"] == transfer["transfer_id"] and transfer["amount_cents"] == 19900
    assert [s["to"] for s in read_jsonl(OUTBOX)].count("cr-ada") == 1


def test_retrying_a_payout_does_not_pay_twice(client):
    first = client.post("/payouts/cr-di", params={"period": "2024-W47"})
    again = client.post("/payouts/cr-di", params={"period": "2024-W47"})
    assert first.status_code == again.status_code == 200, again.text
    assert again.json() == first.json()
    assert len(transfers_to("cr-di")) == 1


def test_earnings_below_the_minimum_are_not_paid(client):
    response = client.post("/payouts/cr-cy", params={"period": "2024-W47"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "below_minimum"
    assert transfers_to("cr-cy") == []


def fire_times(schedule: dict, after: datetime, count: int) -> list[datetime]:
    """When a schedule fires after `after`, in UTC, whichever way its cron is written."""
    from croniter import croniter  # DBOS's own cron library

    zone = ZoneInfo(schedule["cron_timezone"]) if schedule.get("cron_timezone") else UTC
    ticks = croniter(schedule["schedule"], after.astimezone(zone), second_at_beginning=True)
    return [ticks.get_next(datetime).astimezone(UTC) for _ in range(count)]


def weekly_schedule() -> dict | None:
    from dbos import DBOS

    try:
        return DBOS.get_schedule("weekly-payouts")
    except Exception as error:  # noqa: BLE001 - no DBOS launched in this process
        pytest.fail(f"the API service did not configure and launch DBOS when it started: {error}")


def test_the_service_pays_last_week_every_monday_and_a_hand_rerun_pays_nobody_again(client, monkeypatch):
    from dbos import DBOS

    schedule = wait_until(weekly_schedule, timeout=20,
                          message="a DBOS schedule named weekly-payouts once the service has started")
    assert schedule["status"] == "ACTIVE", schedule
    mondays = [MONDAY + timedelta(weeks=n) for n in range(3)]
    assert fire_times(schedule, MONDAY - timedelta(days=5), 3) == mondays, (
        f"weekly-payouts ({schedule['schedule']!r}, timezone {schedule.get('cron_timezone')}) should fire every "
        "Monday at 06:00 UTC")

    # ops backfill the missed Monday 2024-12-02: the run pays 2024-W48, the week before that Monday
    monkeypatch.setenv("BANK_LEDGER", "transfers-sched.jsonl")
    monkeypatch.setenv("STATEMENTS_OUTBOX", "statements-sched.jsonl")
    [run] = DBOS.backfill_schedule("weekly-payouts", MONDAY - timedelta(hours=1), MONDAY + timedelta(hours=1))
    status = wait_until(lambda: (s := run.get_status()).status in ("SUCCESS", "ERROR", "CANCELLED") and s,
                        timeout=60, message="the backfilled Monday's run to finish")
    assert status.status == "SUCCESS", f"the scheduled run ended {status.status}: {status.error}"
    paid = read_jsonl("transfers-sched.jsonl")
    assert sorted((t["creator_id"], t["amount_cents"]) for t in paid) == sorted(W48_PAID.items()), (
        "the Monday 2024-12-02 run should pay each creator's 2024-W48 earnings once")
    assert sorted(s["to"] for s in read_jsonl("statements-sched.jsonl")) == sorted(W48_PAID)

    # ops re-run that week by hand: nobody is paid again, the summary is the complete run's
    rerun = run_program("cron.py", "2024-W48", executor="hand-rerun")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert json.loads(rerun.stdout.strip().splitlines()[-1]) == {
        "period": "2024-W48", "paid": 5, "total_cents": sum(W48_PAID.values()), "below_minimum": 1}
    assert len(read_jsonl("transfers-sched.jsonl")) == len(W48_PAID), "a hand re-run paid the week again"
    assert len(read_jsonl("statements-sched.jsonl")) == len(W48_PAID)
