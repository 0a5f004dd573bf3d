"""Manager side of expense approvals.

    python approvals.py show <expense-id>
    python approvals.py approve <expense-id> --manager <name>
    python approvals.py reject <expense-id> --manager <name> [--reason <text>]

From Python (e.g. the Slack bot):
    current_status(expense_id) -> dict | None
    decide(expense_id, approve, manager, reason="") -> dict     (the final status)

This talks to the expense worker's database (DBOS_SYSTEM_DATABASE_URL) through a short-lived DBOS client per
call: it never launches DBOS, so it never runs any expense processing itself, and it keeps no connection open
between calls. Importing this module connects to nothing.
"""

import argparse
import json
import os
import sys

# Must match expense_worker.py (not imported here so the bot does not load the worker's workflows).
STATUS_KEY = "status"
APPROVAL_TOPIC = "approval"
AWAITING_STATE = "awaiting_approval"


def _workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


def _client():
    from dbos import DBOSClient

    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def current_status(expense_id: str) -> dict | None:
    """The status the expense's workflow last published, or None if there is none (yet)."""
    client = _client()
    try:
        return client.get_event(_workflow_id(expense_id), STATUS_KEY, timeout_seconds=0)
    finally:
        client.destroy()


def decide(expense_id: str, approve: bool, manager: str, reason: str = "") -> dict:
    """Hands the manager's decision to the waiting workflow and returns the expense's final status."""
    workflow_id = _workflow_id(expense_id)
    client = _client()
    try:
        status = client.get_event(workflow_id, STATUS_KEY, timeout_seconds=0)
        if status is not None and status.get("state") != AWAITING_STATE:
            return status  # already decided (or expired): nothing to hand over any more
        decision = {"approve": bool(approve), "manager": manager, "reason": reason or ""}
        client.send(workflow_id, decision, APPROVAL_TOPIC)
        # The workflow returns (and publishes) its final status once it has paid out / recorded the rejection.
        return client.retrieve_workflow(workflow_id).get_result()
    finally:
        client.destroy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="approvals.py", description="Approve or reject submitted expenses.")
    commands = parser.add_subparsers(dest="command", required=True)
    show_parser = commands.add_parser("show", help="print an expense's current status")
    show_parser.add_argument("expense_id")
    approve_parser = commands.add_parser("approve", help="approve an expense")
    approve_parser.add_argument("expense_id")
    approve_parser.add_argument("--manager", required=True)
    reject_parser = commands.add_parser("reject", help="reject an expense")
    reject_parser.add_argument("expense_id")
    reject_parser.add_argument("--manager", required=True)
    reject_parser.add_argument("--reason", default="")
    args = parser.parse_args(argv)

    try:
        if args.command == "show":
            status = current_status(args.expense_id)
            if status is None:
                print(f"no status for expense {args.expense_id}", file=sys.stderr)
                return 1
        else:
            status = decide(args.expense_id, approve=args.command == "approve", manager=args.manager,
                            reason=getattr(args, "reason", "") or "")
    except Exception as exc:  # e.g. no such expense
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(status))
    return 0


if __name__ == "__main__":
    sys.exit(main())
