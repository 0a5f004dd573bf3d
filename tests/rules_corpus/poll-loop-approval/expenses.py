import sqlite3

from dbos import DBOS


@DBOS.step()
def approval_status(expense_id: str) -> str | None:
    with sqlite3.connect("approvals.db") as conn:
        row = conn.execute("SELECT status FROM approvals WHERE id = ?", (expense_id,)).fetchone()
    return row[0] if row else None


@DBOS.step()
def reimburse(expense_id: str) -> None:
    print("paying", expense_id)


@DBOS.workflow()
def expense_flow(expense_id: str) -> str:
    status = None
    while status is None:
        status = approval_status(expense_id)
        if status is None:
            DBOS.sleep(30)
    if status == "approved":
        reimburse(expense_id)
    return status


def record_decision(expense_id: str, status: str) -> None:
    """The approval endpoint: the app itself writes the row the workflow polls for."""
    with sqlite3.connect("approvals.db") as conn:
        conn.execute("UPDATE approvals SET status = ? WHERE id = ?", (status, expense_id))
