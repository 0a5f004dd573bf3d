"""Ops tool to clean up failed (or cancelled) settlements after an incident.

    python repair.py failed               # failed settlements, one JSON object per line
    python repair.py retry <workflow-id>  # re-run a failed/cancelled settlement on the current release

Runs on the ops box against the same database as the settlement worker (DBOS_SYSTEM_DATABASE_URL) through a
DBOSClient; it never settles anything itself, the running worker does the work.

`retry` forks the settlement from its first step that did not complete (the step that failed, or the first
step for a settlement that never ran), so the steps that already completed (e.g. the card charge) are not
executed again. The fork is pinned to the worker's current release (RELEASE, default settlement-8, the same
setting the worker uses) so the fixed worker picks it up, and it gets the deterministic id
`<workflow-id>-retry`, so retrying the same settlement twice does not run it twice.
"""

import json
import os
import sys

from dbos import DBOSClient, SetWorkflowID

SETTLEMENT_WORKFLOW = "settle_invoice"
RETRY_SUFFIX = "-retry"
RETRYABLE_STATUSES = {"ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}
IN_FLIGHT_OR_DONE = {"SUCCESS", "PENDING", "ENQUEUED"}


def current_release() -> str:
    return os.environ.get("RELEASE", "settlement-8")


def _get(obj, key, default=None):
    if isinstance(obj, dict):
        return obj.get(key, default)
    return getattr(obj, key, default)


def _error_message(error) -> str:
    if error is None:
        return ""
    if isinstance(error, BaseException):
        message = str(error)
        return message if message else type(error).__name__
    return str(error)


def _is_settlement(status) -> bool:
    name = _get(status, "name") or ""
    return name == SETTLEMENT_WORKFLOW or name.endswith("." + SETTLEMENT_WORKFLOW)


def _status_of(client: DBOSClient, workflow_id: str):
    found = client.list_workflows(workflow_ids=[workflow_id])
    return found[0] if found else None


def _retries_of(client: DBOSClient, workflow_id: str, settlements=None) -> list:
    """Workflows that are retries (forks) of the given settlement."""
    retries = []
    retry = _status_of(client, workflow_id + RETRY_SUFFIX)
    if retry is not None:
        retries.append(retry)
    if settlements is None:
        settlements = client.list_workflows(name=SETTLEMENT_WORKFLOW)
    for status in settlements:
        if _get(status, "forked_from") == workflow_id and status.workflow_id != workflow_id + RETRY_SUFFIX:
            retries.append(status)
    return retries


def cmd_failed(client: DBOSClient) -> int:
    settlements = client.list_workflows(name=SETTLEMENT_WORKFLOW)
    for status in settlements:
        if status.status != "ERROR" or not _is_settlement(status):
            continue
        # A settlement that has already been retried (successfully or still running) is no longer failed.
        if any(r.status in IN_FLIGHT_OR_DONE for r in _retries_of(client, status.workflow_id, settlements)):
            continue
        print(json.dumps({
            "workflow_id": status.workflow_id,
            "error": _error_message(status.error),
            "status": status.status,
            "invoice_id": _invoice_id(status),
            "app_version": _get(status, "app_version"),
        }))
    return 0


def _invoice_id(status):
    try:
        args = (_get(status, "input") or {}).get("args") or ()
        if args and isinstance(args[0], dict):
            return args[0].get("invoice_id")
    except Exception:
        pass
    return None


def _resume_step(client: DBOSClient, workflow_id: str) -> int:
    """The first step that has to run again: the step that failed, or the one after the last completed."""
    steps = sorted(client.list_workflow_steps(workflow_id), key=lambda s: _get(s, "function_id"))
    for step in steps:
        if _get(step, "error") is not None:
            return int(_get(step, "function_id"))
    if not steps:
        return 1
    return int(_get(steps[-1], "function_id")) + 1


def _wait_and_print(handle) -> int:
    try:
        result = handle.get_result()
    except Exception as exc:  # the settlement failed again
        print(f"settlement {handle.get_workflow_id()} failed: {_error_message(exc)}", file=sys.stderr)
        return 1
    print(json.dumps(result))
    return 0


def cmd_retry(client: DBOSClient, workflow_id: str) -> int:
    status = _status_of(client, workflow_id)
    if status is None:
        print(f"unknown workflow id: {workflow_id}", file=sys.stderr)
        return 2
    if not _is_settlement(status):
        print(f"not a settlement: {workflow_id} ({status.name})", file=sys.stderr)
        return 2

    if status.status in ("SUCCESS", "PENDING", "ENQUEUED"):
        return _wait_and_print(client.retrieve_workflow(workflow_id))

    # Already retried: wait for that retry instead of running the settlement a second time.
    for retry in _retries_of(client, workflow_id):
        if retry.status in IN_FLIGHT_OR_DONE:
            return _wait_and_print(client.retrieve_workflow(retry.workflow_id))

    if status.status not in RETRYABLE_STATUSES:
        print(f"cannot retry {workflow_id}: status {status.status}", file=sys.stderr)
        return 1

    start_step = _resume_step(client, workflow_id)
    retry_id = workflow_id + RETRY_SUFFIX
    existing = _status_of(client, retry_id)
    if existing is not None:
        # A previous retry of this settlement failed too: retry that one (its completed steps are kept).
        return cmd_retry(client, retry_id)
    with SetWorkflowID(retry_id):
        handle = client.fork_workflow(workflow_id, start_step, application_version=current_release())
    return _wait_and_print(handle)


def usage() -> int:
    print("usage: python repair.py failed | python repair.py retry <workflow-id>", file=sys.stderr)
    return 2


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in ("failed", "retry"):
        return usage()
    if argv[0] == "retry" and len(argv) != 2:
        return usage()
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        if argv[0] == "failed":
            return cmd_failed(client)
        return cmd_retry(client, argv[1])
    finally:
        client.destroy()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
