"""The API, served the way uvicorn serves it (FastAPI's lifespan runs), pays creators exactly once."""

import pytest

from dbos_evalkit import import_fresh, read_jsonl

LEDGER, OUTBOX = "transfers-api.jsonl", "statements-api.jsonl"


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
