"""Manager side of expense approvals.

    python approvals.py show <expense-id>
    python approvals.py approve <expense-id> --manager <name>
    python approvals.py reject <expense-id> --manager <name> [--reason <text>]

Talks to the expense worker's DBOS system database (DBOS_SYSTEM_DATABASE_URL) through a short-lived
DBOSClient per call: it reads the status event the `process_expense` workflow publishes, and sends the
manager's decision to it as a message; it never processes expenses itself. Importing this module does not
connect to anything.
"""

import argparse
import json
import os
import sys
from typing import Any, Optional

from dbos import DBOSClient

STATUS_KEY = "status"          # the event key process_expense publishes its status under
APPROVAL_TOPIC = "approval"    # the topic process_expense waits on for the decision
FINAL_STATES = {"reimbursed", "rejected", "expired"}
STATUS_READ_TIMEOUT_S = 1.0


def _workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def current_status(expense_id: str) -> Optional[dict]:
    """The status dict the expense's workflow last published, or None if there is none (yet)."""
    client = _client()
    try:
        status: Optional[dict] = client.get_event(
            _workflow_id(expense_id), STATUS_KEY, timeout_seconds=STATUS_READ_TIMEOUT_S
        )
        return status
    finally:
        client.destroy()


def decide(expense_id: str, approve: bool, manager: str, reason: str = "") -> dict:
    """Hands the manager's decision to the waiting workflow and returns its final status."""
    workflow_id = _workflow_id(expense_id)
    client = _client()
    try:
        status: Optional[dict] = client.get_event(
            workflow_id, STATUS_KEY, timeout_seconds=STATUS_READ_TIMEOUT_S
        )
        if status is None or status.get("state") not in FINAL_STATES:
            decision: dict[str, Any] = {"approve": approve, "manager": manager, "reason": reason}
            client.send(
                workflow_id,
                decision,
                APPROVAL_TOPIC,
                idempotency_key=f"decision-{workflow_id}-{manager}-{'approve' if approve else 'reject'}",
            )
        # The workflow returns its final status once it has paid out or recorded the rejection.
        final_status: dict = client.retrieve_workflow(workflow_id).get_result()
        return final_status
    finally:
        client.destroy()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="approvals.py", description="Approve or reject expenses.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_show = sub.add_parser("show", help="print the expense's current status")
    p_show.add_argument("expense_id")
    p_approve = sub.add_parser("approve", help="approve an expense")
    p_approve.add_argument("expense_id")
    p_approve.add_argument("--manager", required=True)
    p_reject = sub.add_parser("reject", help="reject an expense")
    p_reject.add_argument("expense_id")
    p_reject.add_argument("--manager", required=True)
    p_reject.add_argument("--reason", default="")
    args = parser.parse_args(argv)

    if args.command == "show":
        status = current_status(args.expense_id)
        print(json.dumps(status))
        return 0 if status is not None else 1
    if args.command == "approve":
        print(json.dumps(decide(args.expense_id, True, args.manager)))
        return 0
    print(json.dumps(decide(args.expense_id, False, args.manager, args.reason)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
