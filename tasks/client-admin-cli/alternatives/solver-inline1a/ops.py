"""Ops tool for the dataset export worker.

    python ops.py list [--status STATUS]
    python ops.py cancel <workflow-id>
    python ops.py resume <workflow-id>

Talks to the worker's DBOS system database (DBOS_SYSTEM_DATABASE_URL) through a DBOSClient: it never runs
exports itself. Cancelling stops an export before its next partition; resuming lets the worker continue it
from its last completed partition (already copied partitions are not copied again).
"""

import argparse
import json
import os
import sys
from typing import Any, Optional

from dbos import DBOSClient

EXPORT_WORKFLOW_NAME = "export_dataset"


def system_db_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def _status_row(status: Any) -> dict:
    return {
        "workflow_id": status.workflow_id,
        "status": status.status,
        "name": getattr(status, "name", None),
        "queue_name": getattr(status, "queue_name", None),
        "created_at": getattr(status, "created_at", None),
        "updated_at": getattr(status, "updated_at", None),
    }


def cmd_list(client: DBOSClient, status: Optional[str]) -> None:
    rows = client.list_workflows(
        name=EXPORT_WORKFLOW_NAME,
        status=status,
        sort_desc=False,
        load_input=False,
    )
    for row in rows:
        print(json.dumps(_status_row(row), default=str))


def cmd_cancel(client: DBOSClient, workflow_id: str) -> None:
    client.cancel_workflow(workflow_id)
    status = client.retrieve_workflow(workflow_id).get_status()
    print(json.dumps({"workflow_id": workflow_id, "status": status.status}))


def cmd_resume(client: DBOSClient, workflow_id: str) -> None:
    handle = client.resume_workflow(workflow_id)
    status = handle.get_status()
    print(json.dumps({"workflow_id": workflow_id, "status": status.status}))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="ops.py", description="Inspect, cancel and resume exports.")
    sub = parser.add_subparsers(dest="command", required=True)
    p_list = sub.add_parser("list", help="list exports")
    p_list.add_argument("--status", default=None, help="only exports in this DBOS status (e.g. PENDING)")
    p_cancel = sub.add_parser("cancel", help="cancel a running or queued export")
    p_cancel.add_argument("workflow_id")
    p_resume = sub.add_parser("resume", help="resume a cancelled export where it stopped")
    p_resume.add_argument("workflow_id")
    args = parser.parse_args(argv)

    client = DBOSClient(system_database_url=system_db_url())
    try:
        if args.command == "list":
            cmd_list(client, args.status.upper() if args.status else None)
        elif args.command == "cancel":
            cmd_cancel(client, args.workflow_id)
        elif args.command == "resume":
            cmd_resume(client, args.workflow_id)
    finally:
        client.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
