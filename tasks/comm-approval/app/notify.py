"""Our notification service (Slack + email). Do not modify."""

import json
import os
import threading
from pathlib import Path

OUTBOX = Path(os.environ.get("NOTIFY_OUTBOX", "notifications.jsonl"))
_lock = threading.Lock()


def _deliver(message: dict) -> None:
    with _lock, OUTBOX.open("a") as outbox:
        outbox.write(json.dumps(message) + "\n")


def ask_manager_for_approval(expense: dict) -> None:
    """Posts the expense to the manager's approval channel with Approve / Reject buttons."""
    _deliver({"kind": "approval_request", "expense_id": expense["expense_id"], "employee": expense["employee"],
              "amount_cents": expense["amount_cents"]})


def tell_employee(employee: str, expense_id: str, outcome: str) -> None:
    """Emails the employee what happened to their expense."""
    _deliver({"kind": "outcome", "expense_id": expense_id, "employee": employee, "outcome": outcome})
