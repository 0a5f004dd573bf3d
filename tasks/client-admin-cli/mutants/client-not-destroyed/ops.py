"""Operations tool for the dataset export worker.

    python ops.py list [--status STATUS]
    python ops.py cancel <workflow-id>
    python ops.py resume <workflow-id>

Works on the worker's workflows from outside through a DBOS client (it never runs export code itself):
listing reads the workflow table, cancelling stops an export before its next partition, and resuming hands a
cancelled export back to the worker, which continues from the last partition it finished.
"""

import argparse
import json
import os
import sys

from dbos import DBOSClient

EXPORT_WORKFLOW = "export_dataset"


def list_exports(client: DBOSClient, status: str | None) -> list[dict]:
    found = client.list_workflows(name=EXPORT_WORKFLOW, status=status, load_output=False)
    return [{"workflow_id": w.workflow_id, "status": w.status,
             "export_id": w.input["args"][0] if w.input and w.input["args"] else None,
             "dataset": w.input["args"][1] if w.input and len(w.input["args"]) > 1 else None,
             "created_at": w.created_at}
            for w in found]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ops.py")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list exports, oldest first")
    listing.add_argument("--status", help="only exports in this status, e.g. PENDING, ERROR, CANCELLED")
    for name in ("cancel", "resume"):
        commands.add_parser(name).add_argument("workflow_id")
    args = parser.parse_args(argv)

    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    if args.command == "list":
        for export in list_exports(client, args.status):
            print(json.dumps(export))
    elif args.command == "cancel":
        client.cancel_workflow(args.workflow_id)
        print(f"cancelled {args.workflow_id}")
    else:
        client.resume_workflow(args.workflow_id)
        print(f"resumed {args.workflow_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
