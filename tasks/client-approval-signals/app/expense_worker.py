"""Expense reimbursement worker.

Expenses arrive from the intake service, which enqueues `process_expense(expense)` on the `expenses` queue
with the workflow id `expense-<expense id>` (for example `expense-e-1042`). Each expense is checked against
the travel policy, then waits for a manager's decision before anything is paid out.

While it runs, the workflow publishes its current status under the event key "status" (see `STATUS_KEY`).
A manager's decision is a message on the topic "approval" (see `APPROVAL_TOPIC`), shaped like
    {"approve": true, "manager": "<name>", "reason": "<optional text>"}

Start with `python expense_worker.py`.
"""

import logging
import os
import threading

from dbos import DBOS, DBOSConfig

import payouts

EXPENSE_QUEUE = "expenses"
STATUS_KEY = "status"
APPROVAL_TOPIC = "approval"
APPROVAL_WINDOW_S = 3 * 24 * 3600
RECEIPT_REQUIRED_ABOVE_CENTS = 7500
MANAGER_REVIEW_ABOVE_CENTS = 50000

log = logging.getLogger("expenses")


@DBOS.step()
def policy_flags(expense: dict) -> list[str]:
    flags = []
    if expense["amount_cents"] > RECEIPT_REQUIRED_ABOVE_CENTS and not expense.get("receipt_url"):
        flags.append("missing_receipt")
    if expense["amount_cents"] > MANAGER_REVIEW_ABOVE_CENTS:
        flags.append("large_amount")
    if expense["category"] not in {"travel", "meals", "lodging", "equipment"}:
        flags.append("unusual_category")
    return flags


@DBOS.step()
def reimburse(expense: dict) -> str:
    return payouts.send_reimbursement(expense["employee_id"], expense["amount_cents"], expense["id"])


@DBOS.workflow()
def process_expense(expense: dict) -> dict:
    status = {"expense_id": expense["id"], "employee_id": expense["employee_id"],
              "amount_cents": expense["amount_cents"], "flags": policy_flags(expense),
              "state": "awaiting_approval"}
    DBOS.set_event(STATUS_KEY, status)

    decision = DBOS.recv(APPROVAL_TOPIC, timeout_seconds=APPROVAL_WINDOW_S)
    if decision is None:
        status = {**status, "state": "expired"}
    elif decision["approve"]:
        payment_ref = reimburse(expense)
        status = {**status, "state": "reimbursed", "approved_by": decision["manager"], "payment_ref": payment_ref}
    else:
        status = {**status, "state": "rejected", "rejected_by": decision["manager"],
                  "reason": decision.get("reason", "")}
    DBOS.set_event(STATUS_KEY, status)
    return status


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "expense-approvals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.10.2",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(EXPENSE_QUEUE, worker_concurrency=8)
    log.info("expense worker ready on queue %r", EXPENSE_QUEUE)
    threading.Event().wait()


if __name__ == "__main__":
    main()
