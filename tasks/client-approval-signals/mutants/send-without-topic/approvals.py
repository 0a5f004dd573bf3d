"""Managers' command-line tool for expense approvals.

    python approvals.py show <expense-id>
    python approvals.py approve <expense-id> --manager <name>
    python approvals.py reject <expense-id> --manager <name> [--reason <text>]

Talks to the expense worker's workflows from outside through a DBOS client: reads the status each expense
workflow publishes, and delivers a manager's decision as a message the workflow is waiting for.
"""

import argparse
import json
import os
import sys
from typing import Optional

from dbos import DBOSClient

STATUS_KEY = "status"
APPROVAL_TOPIC = "approval"


def workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def current_status(expense_id: str, wait_seconds: float = 5) -> Optional[dict]:
    """The status the expense's workflow last published, or None if it has published nothing."""
    client = _client()
    try:
        return client.get_event(workflow_id(expense_id), STATUS_KEY, timeout_seconds=wait_seconds)
    finally:
        client.destroy()


def decide(expense_id: str, approve: bool, manager: str, reason: str = "") -> dict:
    """Deliver a manager's decision and return the status the workflow ends in."""
    client = _client()
    try:
        wf_id = workflow_id(expense_id)
        decision = {"approve": approve, "manager": manager, "reason": reason}
        client.send(wf_id, decision)
        # The workflow returns the final status it publishes; wait for it to act on the decision.
        return client.retrieve_workflow(wf_id).get_result()
    finally:
        client.destroy()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="approvals.py")
    commands = parser.add_subparsers(dest="command", required=True)
    show = commands.add_parser("show")
    show.add_argument("expense_id")
    for name in ("approve", "reject"):
        cmd = commands.add_parser(name)
        cmd.add_argument("expense_id")
        cmd.add_argument("--manager", required=True)
        cmd.add_argument("--reason", default="")
    args = parser.parse_args(argv)

    if args.command == "show":
        status = current_status(args.expense_id)
        if status is None:
            print(f"no status published for expense {args.expense_id}", file=sys.stderr)
            return 1
    else:
        status = decide(args.expense_id, args.command == "approve", args.manager, args.reason)
    print(json.dumps(status))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
