"""Managers' command-line tool for expense approvals.

    python approvals.py show <expense-id>
    python approvals.py approve <expense-id> --manager <name>
    python approvals.py reject <expense-id> --manager <name> [--reason <text>]
"""

import argparse
import json
import os
import sys
from typing import Optional

from dbos import DBOS, DBOSConfig

STATUS_KEY = "status"
APPROVAL_TOPIC = "approval"
_configured = False


def _ensure_dbos() -> None:
    global _configured
    if not _configured:
        config: DBOSConfig = {
            "name": "expense-approvals-cli",
            "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        }
        DBOS(config=config)
        _configured = True


def workflow_id(expense_id: str) -> str:
    return f"expense-{expense_id}"


def current_status(expense_id: str, wait_seconds: float = 5) -> Optional[dict]:
    _ensure_dbos()
    return DBOS.get_event(workflow_id(expense_id), STATUS_KEY, timeout_seconds=wait_seconds)


def decide(expense_id: str, approve: bool, manager: str, reason: str = "") -> dict:
    _ensure_dbos()
    wf_id = workflow_id(expense_id)
    DBOS.send(wf_id, {"approve": approve, "manager": manager, "reason": reason}, APPROVAL_TOPIC)
    return DBOS.retrieve_workflow(wf_id).get_result()


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
