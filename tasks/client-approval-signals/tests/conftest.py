import os
import signal

import pytest

from dbos_evalkit import database_url, read_jsonl, start_program, wait_until

LEDGER = "reimbursements-test.jsonl"

EXPENSES = {
    "e-201": {"id": "e-201", "employee_id": "emp-17", "amount_cents": 4200, "category": "meals"},
    "e-202": {"id": "e-202", "employee_id": "emp-03", "amount_cents": 68900, "category": "lodging",
              "receipt_url": "https://receipts.example/e-202.pdf"},
    "e-203": {"id": "e-203", "employee_id": "emp-44", "amount_cents": 12900, "category": "software"},
    "e-204": {"id": "e-204", "employee_id": "emp-17", "amount_cents": 3100, "category": "travel"},
}


@pytest.fixture(scope="session")
def client():
    from dbos import DBOSClient

    c = DBOSClient(system_database_url=database_url())
    yield c
    c.destroy()


@pytest.fixture(scope="session")
def worker(client):
    """The expense worker, running as its own process, with every test expense already submitted."""
    proc = start_program("expense_worker.py", env={"REIMBURSEMENTS_LEDGER": LEDGER}, log="worker.log")
    for expense in EXPENSES.values():
        client.enqueue({"queue_name": "expenses", "workflow_name": "process_expense",
                        "workflow_id": f"expense-{expense['id']}"}, expense)
    yield proc
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def awaiting_approval(client, expense_id: str) -> dict:
    """Wait until the worker has picked the expense up and asks for a decision."""
    def status():
        value = client.get_event(f"expense-{expense_id}", "status", timeout_seconds=0.5)
        return value if value and value["state"] == "awaiting_approval" else None
    return wait_until(status, timeout=30, message=f"expense {expense_id} to await approval")


def reimbursements(expense_id: str) -> list[dict]:
    return [r for r in read_jsonl(LEDGER) if r["expense_id"] == expense_id]


def within(seconds: float, fn, *args):
    """Call ``fn(*args)`` but give up (fail the test) after ``seconds``, leaving it behind in a daemon thread."""
    import threading

    outcome: dict = {}

    def run():
        try:
            outcome["value"] = fn(*args)
        except BaseException as exc:  # re-raised in the test's thread
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise AssertionError(f"{getattr(fn, '__name__', fn)} did not return within {seconds}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]
