import pytest

from dbos_evalkit import read_jsonl
from expense_server import ExpenseServer

OUTBOX, LEDGER = "notify-main.jsonl", "payouts-main.jsonl"


@pytest.fixture(scope="module")
def api():
    server = ExpenseServer("api-main", NOTIFY_OUTBOX=OUTBOX, PAYOUTS_LEDGER=LEDGER, DBOS__VMID="main-pod").start()
    yield server
    server.stop()


def messages(outbox: str, expense_id: str, kind: str) -> list[dict]:
    return [m for m in read_jsonl(outbox) if m["expense_id"] == expense_id and m["kind"] == kind]


def payouts_for(ledger: str, expense_id: str) -> list[dict]:
    return [p for p in read_jsonl(ledger) if p["reference"] == expense_id]


def test_submitted_expense_asks_the_manager_and_waits(api):
    api.submit("EXP-100")
    api.wait_for_status("EXP-100", "waiting_for_approval")
    assert len(messages(OUTBOX, "EXP-100", "approval_request")) == 1
    assert payouts_for(LEDGER, "EXP-100") == []


def test_resubmitting_an_expense_does_not_ask_the_manager_again(api):
    api.submit("EXP-101")
    api.wait_for_status("EXP-101", "waiting_for_approval")
    api.submit("EXP-101")
    assert api.status("EXP-101") == "waiting_for_approval"
    assert len(messages(OUTBOX, "EXP-101", "approval_request")) == 1


def test_approved_expense_is_paid_once_even_when_approved_twice(api):
    api.submit("EXP-102", amount_cents=12550, employee="bo")
    api.wait_for_status("EXP-102", "waiting_for_approval")
    first = api.decide("EXP-102", approved=True)
    assert first.status_code < 300, first.text[:500]
    api.decide("EXP-102", approved=True)  # the manager double-clicked
    api.wait_for_status("EXP-102", "paid")
    paid = payouts_for(LEDGER, "EXP-102")
    assert len(paid) == 1, f"paid {len(paid)} times"
    assert (paid[0]["employee"], paid[0]["amount_cents"]) == ("bo", 12550)
    assert [m["outcome"] for m in messages(OUTBOX, "EXP-102", "outcome")] == ["paid"]


def test_rejected_expense_is_not_paid(api):
    api.submit("EXP-103")
    api.wait_for_status("EXP-103", "waiting_for_approval")
    assert api.decide("EXP-103", approved=False).status_code < 300
    api.wait_for_status("EXP-103", "rejected")
    assert payouts_for(LEDGER, "EXP-103") == []
    assert [m["outcome"] for m in messages(OUTBOX, "EXP-103", "outcome")] == ["rejected"]


def test_unanswered_expense_times_out_unpaid():
    outbox, ledger = "notify-timeout.jsonl", "payouts-timeout.jsonl"
    server = ExpenseServer("api-timeout", NOTIFY_OUTBOX=outbox, PAYOUTS_LEDGER=ledger, APPROVAL_TIMEOUT_S="2",
                           DBOS__VMID="timeout-pod").start()
    try:
        server.submit("EXP-200")
        server.wait_for_status("EXP-200", "timed_out", timeout=25)
        assert payouts_for(ledger, "EXP-200") == []
        assert [m["outcome"] for m in messages(outbox, "EXP-200", "outcome")] == ["timed_out"]
    finally:
        server.stop()
