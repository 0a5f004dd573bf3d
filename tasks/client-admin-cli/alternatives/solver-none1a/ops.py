"""Ops tool for the dataset export worker.

    python ops.py list [--status STATUS]     one JSON object per export and line
    python ops.py cancel <workflow-id>        stop a running or queued export
    python ops.py resume <workflow-id>        continue a cancelled export where it stopped

It talks to the worker's Postgres database (DBOS_SYSTEM_DATABASE_URL) through a DBOS client only: it never
launches DBOS itself, so it never executes, recovers or dequeues any export. The running worker does that.
"""

import argparse
import json
import os
import sys

from dbos import DBOSClient

EXPORT_WORKFLOW_NAME = "export_dataset"
EXPORT_ID_PREFIX = "export-"


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def _is_export(wf) -> bool:
    return wf.name == EXPORT_WORKFLOW_NAME or (wf.workflow_id or "").startswith(EXPORT_ID_PREFIX)


def _describe(wf) -> dict:
    record = {
        "workflow_id": wf.workflow_id,
        "status": wf.status,
        "name": wf.name,
        "queue_name": wf.queue_name,
        "created_at": wf.created_at,
        "updated_at": wf.updated_at,
        "app_version": wf.app_version,
    }
    inputs = getattr(wf, "input", None)
    args = None
    if isinstance(inputs, dict):
        args = inputs.get("args")
    elif inputs is not None:
        args = getattr(inputs, "args", None)
    if args and len(args) >= 2:
        record["export_id"], record["dataset"] = args[0], args[1]
    return record


def _find(client: DBOSClient, workflow_id: str):
    found = client.list_workflows(workflow_ids=[workflow_id])
    return found[0] if found else None


def cmd_list(client: DBOSClient, status: str | None) -> int:
    kwargs = {}
    if status:
        kwargs["status"] = status.upper()
    for wf in client.list_workflows(**kwargs):
        if _is_export(wf):
            print(json.dumps(_describe(wf), default=str))
    return 0


def cmd_cancel(client: DBOSClient, workflow_id: str) -> int:
    wf = _find(client, workflow_id)
    if wf is None:
        print(f"no such export: {workflow_id}", file=sys.stderr)
        return 1
    if wf.status in ("SUCCESS", "ERROR"):
        print(f"export {workflow_id} already finished ({wf.status}); nothing to cancel", file=sys.stderr)
    else:
        client.cancel_workflow(workflow_id)
    print(json.dumps(_describe(_find(client, workflow_id)), default=str))
    return 0


def cmd_resume(client: DBOSClient, workflow_id: str) -> int:
    wf = _find(client, workflow_id)
    if wf is None:
        print(f"no such export: {workflow_id}", file=sys.stderr)
        return 1
    if wf.status == "SUCCESS":
        print(f"export {workflow_id} already succeeded; nothing to resume", file=sys.stderr)
    else:
        # Re-enqueues the workflow; the worker picks it up and replays it from its checkpoints, so the
        # partitions already copied are not copied again.
        client.resume_workflow(workflow_id)
    print(json.dumps(_describe(_find(client, workflow_id)), default=str))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="ops.py", description="Inspect and control dataset exports.")
    commands = parser.add_subparsers(dest="command", required=True)
    list_parser = commands.add_parser("list", help="list exports")
    list_parser.add_argument("--status", help="only exports in this DBOS status (PENDING, ENQUEUED, ...)")
    cancel_parser = commands.add_parser("cancel", help="cancel a running or queued export")
    cancel_parser.add_argument("workflow_id")
    resume_parser = commands.add_parser("resume", help="resume a cancelled export")
    resume_parser.add_argument("workflow_id")
    args = parser.parse_args(argv)

    client = _client()
    try:
        if args.command == "list":
            return cmd_list(client, args.status)
        if args.command == "cancel":
            return cmd_cancel(client, args.workflow_id)
        return cmd_resume(client, args.workflow_id)
    finally:
        client.destroy()


if __name__ == "__main__":
    sys.exit(main())
