"""Ops tool: repair settlements after an incident.

    python repair.py failed                 # failed settlements, one JSON object per line
    python repair.py retry <workflow-id>    # re-run a failed (or cancelled) settlement, print its result

Runs on the ops box against the DBOS system database (DBOS_SYSTEM_DATABASE_URL) through a DBOSClient; it
never settles anything itself, the running settlement worker does the work.

A failed settlement is re-run by forking its workflow from the step that failed: the steps before it (the
card charge in particular) are copied with their recorded outputs, so nobody is charged twice, and the failed
step and everything after it run again, once, on the current release (RELEASE, default settlement-8, the
version the worker runs). A cancelled settlement that was still waiting in the queue is resumed.

Exit codes: 0 success, 1 the retried settlement failed again, 2 unknown workflow id / bad usage.
"""

import json
import os
import sys
from typing import Any, Optional

from dbos import DBOSClient

SETTLEMENT_WORKFLOW = "settle_invoice"
ERROR = "ERROR"
SUCCESS = "SUCCESS"
CANCELLED = "CANCELLED"


def current_release() -> str:
    """The application version the settlement worker runs (same default as settlement_worker.py)."""
    return os.environ.get("RELEASE", "settlement-8")


def make_client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def is_settlement(status: Any) -> bool:
    name = getattr(status, "name", None) or ""
    return name.split(".")[-1] == SETTLEMENT_WORKFLOW


def error_message(error: Any) -> str:
    if error is None:
        return ""
    if isinstance(error, BaseException):
        message = str(error)
        return message if message else type(error).__name__
    return str(error)


def get_status(client: DBOSClient, workflow_id: str) -> Optional[Any]:
    statuses = client.list_workflows(workflow_ids=[workflow_id])
    for status in statuses:
        if status.workflow_id == workflow_id:
            return status
    return None


def repaired_workflow_ids(settlements: list) -> set:
    """Original settlements that already have a retry that succeeded or is still running."""
    repaired = set()
    for status in settlements:
        if status.status in (ERROR, CANCELLED):
            continue
        origin = getattr(status, "forked_from", None)
        if origin:
            repaired.add(origin)
    return repaired


def cmd_failed(client: DBOSClient) -> int:
    settlements = [status for status in client.list_workflows() if is_settlement(status)]
    repaired = repaired_workflow_ids(settlements)
    for status in settlements:
        if status.status != ERROR or status.workflow_id in repaired:
            continue
        print(json.dumps({
            "workflow_id": status.workflow_id,
            "error": error_message(status.error),
            "status": status.status,
            "app_version": getattr(status, "app_version", None),
        }))
    return 0


def restart_step(client: DBOSClient, workflow_id: str) -> int:
    """The step to re-run from: the first step that recorded an error (else the first step not yet run)."""
    steps = client.list_workflow_steps(workflow_id)
    failed = [step["function_id"] for step in steps if step.get("error") is not None]
    if failed:
        return min(failed)
    return max((step["function_id"] for step in steps), default=-1) + 1


def fork(client: DBOSClient, workflow_id: str) -> Any:
    """Re-run the settlement on the current release from its failed step; earlier steps keep their outputs."""
    return client.fork_workflow(
        workflow_id, restart_step(client, workflow_id), application_version=current_release()
    )


def cmd_retry(client: DBOSClient, workflow_id: str) -> int:
    status = get_status(client, workflow_id)
    if status is None:
        print(f"unknown workflow id: {workflow_id}")
        return 2
    if not is_settlement(status):
        print(f"not a settlement: {workflow_id} ({status.name})")
        return 2

    if status.status == ERROR:
        handle = fork(client, workflow_id)
    elif status.status in (SUCCESS, "PENDING", "ENQUEUED"):
        handle = client.retrieve_workflow(workflow_id)
    else:
        # Cancelled (or out of recovery attempts). A settlement cancelled while waiting in the queue has no
        # version yet and has done nothing: resume it. Otherwise fork it onto the current release from the
        # first step that has not completed.
        app_version = getattr(status, "app_version", None)
        if app_version in (None, "", current_release()):
            client.resume_workflow(workflow_id)
            handle = client.retrieve_workflow(workflow_id)
        else:
            handle = fork(client, workflow_id)

    try:
        result = handle.get_result()
    except Exception as exc:  # the settlement failed again
        print(json.dumps({"workflow_id": handle.get_workflow_id(), "error": error_message(exc)}))
        return 1
    print(json.dumps(result))
    return 0


def main(argv: list) -> int:
    if len(argv) == 1 and argv[0] == "failed":
        command = "failed"
    elif len(argv) == 2 and argv[0] == "retry":
        command = "retry"
    else:
        print("usage: python repair.py failed | python repair.py retry <workflow-id>")
        return 2
    client = make_client()
    try:
        if command == "failed":
            return cmd_failed(client)
        return cmd_retry(client, argv[1])
    finally:
        client.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
