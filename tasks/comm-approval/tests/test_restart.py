"""A pod restart while an expense waits for its manager."""

from dbos_evalkit import read_jsonl
from expense_server import ExpenseServer

OUTBOX, LEDGER = "notify-restart.jsonl", "payouts-restart.jsonl"
POD = dict(NOTIFY_OUTBOX=OUTBOX, PAYOUTS_LEDGER=LEDGER, DBOS__VMID="restarting-pod")


def test_expense_waiting_during_a_crash_is_paid_once_when_approved_after_restart():
    before = ExpenseServer("api-restart", **POD).start()
    try:
        before.submit("EXP-300", amount_cents=9900, employee="cy")
        before.wait_for_status("EXP-300", "waiting_for_approval")
    finally:
        before.kill()
    after = ExpenseServer("api-restart", **POD).start()
    try:
        assert after.status("EXP-300") == "waiting_for_approval", "the waiting expense was lost in the restart"
        decided = after.decide("EXP-300", approved=True)
        assert decided.status_code < 300, decided.text[:500]
        after.wait_for_status("EXP-300", "paid", timeout=30)
    finally:
        after.stop()
    payouts = [p for p in read_jsonl(LEDGER) if p["reference"] == "EXP-300"]
    assert len(payouts) == 1 and payouts[0]["amount_cents"] == 9900
    requests = [m for m in read_jsonl(OUTBOX) if m["expense_id"] == "EXP-300" and m["kind"] == "approval_request"]
    assert len(requests) == 1, "the manager was asked again after the restart"
