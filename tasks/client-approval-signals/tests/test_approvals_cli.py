"""`approvals.py` reads the expense workflows' status and delivers managers' decisions to them."""

import json

from conftest import awaiting_approval, reimbursements, within
from dbos_evalkit import import_fresh, run_program, workflows


def printed_json(stdout: str) -> dict:
    lines = [line for line in stdout.strip().splitlines() if line.strip()]
    assert lines, "approvals.py printed nothing"
    return json.loads(lines[-1])


def final_row(expense_id: str) -> dict:
    rows = [w for w in workflows("process_expense") if w["workflow_id"] == f"expense-{expense_id}"]
    assert len(rows) == 1, rows
    return rows[0]


def test_show_prints_the_status_the_workflow_published(worker, client):
    awaiting_approval(client, "e-202")
    done = run_program("approvals.py", "show", "e-202", timeout=20)
    assert done.returncode == 0, done.stderr[-2000:]
    status = printed_json(done.stdout)
    assert status["state"] == "awaiting_approval"
    assert status["expense_id"] == "e-202" and status["amount_cents"] == 68900
    assert status["flags"] == ["large_amount"]


def test_approve_reimburses_once_and_prints_the_outcome(worker, client):
    awaiting_approval(client, "e-201")
    done = run_program("approvals.py", "approve", "e-201", "--manager", "priya", timeout=20)
    assert done.returncode == 0, done.stderr[-2000:]
    outcome = printed_json(done.stdout)
    assert outcome["state"] == "reimbursed", f"printed {outcome} before the workflow acted on the decision"
    assert outcome["approved_by"] == "priya"
    paid = reimbursements("e-201")
    assert len(paid) == 1 and paid[0]["amount_cents"] == 4200
    assert outcome["payment_ref"] == paid[0]["payment_ref"]
    assert final_row("e-201")["status"] == "SUCCESS"


def test_reject_from_python_returns_the_outcome_and_pays_nothing(worker, client):
    approvals = import_fresh("approvals")
    awaiting_approval(client, "e-203")
    outcome = within(20, approvals.decide, "e-203", False, "marcus", "software goes through IT")
    assert outcome["state"] == "rejected", f"returned {outcome} before the workflow acted on the decision"
    assert outcome["rejected_by"] == "marcus" and outcome["reason"] == "software goes through IT"
    assert reimbursements("e-203") == []
    assert final_row("e-203")["status"] == "SUCCESS"

    current = within(20, approvals.current_status, "e-203")
    assert current["state"] == "rejected"


def test_show_after_approval_reports_the_final_state(worker, client):
    approvals = import_fresh("approvals")
    awaiting_approval(client, "e-204")
    within(20, approvals.decide, "e-204", True, "priya")
    done = run_program("approvals.py", "show", "e-204", timeout=20)
    assert done.returncode == 0, done.stderr[-2000:]
    status = printed_json(done.stdout)
    assert status["state"] == "reimbursed" and status["payment_ref"] == reimbursements("e-204")[0]["payment_ref"]
