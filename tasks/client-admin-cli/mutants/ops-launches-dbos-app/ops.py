"""Operations tool for the dataset export worker.

    python ops.py list [--status STATUS]
    python ops.py cancel <workflow-id>
    python ops.py resume <workflow-id>
"""

import argparse
import json
import os
import sys

from dbos import DBOS, DBOSConfig

EXPORT_WORKFLOW = "export_dataset"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="ops.py")
    commands = parser.add_subparsers(dest="command", required=True)
    listing = commands.add_parser("list", help="list exports, oldest first")
    listing.add_argument("--status", help="only exports in this status, e.g. PENDING, ERROR, CANCELLED")
    for name in ("cancel", "resume"):
        commands.add_parser(name).add_argument("workflow_id")
    args = parser.parse_args(argv)

    config: DBOSConfig = {
        "name": "dataset-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        if args.command == "list":
            for w in DBOS.list_workflows(name=EXPORT_WORKFLOW, status=args.status, load_output=False):
                print(json.dumps({"workflow_id": w.workflow_id, "status": w.status}))
        elif args.command == "cancel":
            DBOS.cancel_workflow(args.workflow_id)
            print(f"cancelled {args.workflow_id}")
        else:
            DBOS.resume_workflow(args.workflow_id)
            print(f"resumed {args.workflow_id}")
    finally:
        DBOS.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
