"""Ops tool: inspect and repair settlements after an incident.

    python repair.py failed               # failed settlements, one JSON object per line
    python repair.py retry <workflow-id>  # re-run a failed (or cancelled) settlement, print its result

Runs on the ops box against the settlement worker's system database (DBOS_SYSTEM_DATABASE_URL) through a
DBOSClient: it never settles anything itself, the running worker does the work.

`retry` never re-runs the steps a settlement already completed: a failed settlement is forked from the
step that failed (the card charge recorded before it is reused, so nobody is charged twice), on the
release the worker runs now; a cancelled settlement is resumed from its last completed step. Retrying a
settlement that was already retried waits for (or reports) that retry instead of starting another one.
"""

import argparse
import json
import os
import sys
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from dbos import DBOSClient, WorkflowHandle

SETTLE_WORKFLOW = "settle_invoice"
DEFAULT_RELEASE = "settlement-8"  # the worker's default application version (settlement_worker.py)


class UnknownSettlement(Exception):
    pass


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the settlement worker's system database")
    return url


# --- helpers ------------------------------------------------------------------------------------------


def _iso(epoch_ms: Optional[int]) -> Optional[str]:
    if epoch_ms is None:
        return None
    moment = datetime.fromtimestamp(int(epoch_ms) / 1000, tz=timezone.utc) - timedelta(seconds=1)
    return moment.isoformat()


def _invoice_id(status: Any) -> Optional[str]:
    inputs = getattr(status, "input", None)
    if not inputs:
        return None
    try:
        args = inputs["args"] if isinstance(inputs, dict) else inputs.args
        kwargs = inputs["kwargs"] if isinstance(inputs, dict) else inputs.kwargs
    except (KeyError, AttributeError, TypeError):
        return None
    invoice = args[0] if args else (kwargs or {}).get("invoice")
    if isinstance(invoice, dict):
        return invoice.get("invoice_id")
    return None


def _is_retry_of(candidate: Any, original: Any) -> bool:
    """Whether `candidate` is a fork (a retry) of the settlement `original`."""
    if candidate.workflow_id == original.workflow_id:
        return False
    forked_from = getattr(candidate, "forked_from", None)
    if forked_from is not None:
        return forked_from == original.workflow_id
    # Billing always uses `settle-<invoice id>`; any other settlement of the same invoice created after
    # the original is a fork made by this tool.
    if candidate.workflow_id.startswith("settle-"):
        return False
    invoice_id = _invoice_id(original)
    return (
        invoice_id is not None
        and _invoice_id(candidate) == invoice_id
        and (candidate.created_at or 0) >= (original.created_at or 0)
    )


def _settlements_since(client: DBOSClient, epoch_ms: Optional[int]) -> list:
    kwargs: dict = {"name": SETTLE_WORKFLOW, "load_input": True}
    since = _iso(epoch_ms)
    if since is not None:
        kwargs["start_time"] = since
    return list(client.list_workflows(**kwargs))


def _get_settlement(client: DBOSClient, workflow_id: str) -> Any:
    rows = client.list_workflows(workflow_ids=[workflow_id], load_input=True)
    if not rows:
        raise UnknownSettlement(f"unknown workflow id: {workflow_id}")
    status = rows[0]
    if status.name != SETTLE_WORKFLOW:
        raise UnknownSettlement(f"{workflow_id} is not a settlement (it is a {status.name} workflow)")
    return status


def _latest_retry(client: DBOSClient, status: Any) -> Any:
    """Follow the chain of retries of a settlement and return the most recent one (or itself)."""
    seen = {status.workflow_id}
    current = status
    while True:
        retries = [
            c for c in _settlements_since(client, current.created_at)
            if c.workflow_id not in seen and _is_retry_of(c, current)
        ]
        if not retries:
            return current
        current = max(retries, key=lambda c: c.created_at or 0)
        seen.add(current.workflow_id)


def _version_name(value: Any) -> Optional[str]:
    if value is None:
        return None
    if isinstance(value, str):
        return value or None
    for key in ("version_name", "application_version", "app_version", "name"):
        found = value.get(key) if isinstance(value, dict) else getattr(value, key, None)
        if isinstance(found, str) and found:
            return found
    return None


def current_release(client: DBOSClient) -> str:
    """The application version the deployed worker runs: forks must run on it (a fork on the release the
    settlement failed on would never be dequeued by the new worker)."""
    getter = getattr(client, "get_latest_application_version", None)
    if getter is not None:
        try:
            name = _version_name(getter())
        except Exception:
            name = None
        if name:
            return name
    return os.environ.get("RELEASE") or DEFAULT_RELEASE


def _resume_step(client: DBOSClient, workflow_id: str) -> int:
    """The step to fork from: the first step that failed, or the one after the last completed step."""
    steps = list(client.list_workflow_steps(workflow_id))
    for step in sorted(steps, key=lambda s: s["function_id"]):
        if step.get("error") is not None:
            return int(step["function_id"])
    if steps:
        return max(int(s["function_id"]) for s in steps) + 1
    return 1


# --- commands -----------------------------------------------------------------------------------------


def list_failed(client: DBOSClient) -> list[dict]:
    failed = list(client.list_workflows(name=SETTLE_WORKFLOW, status="ERROR", load_input=True))
    if not failed:
        return []
    everything = _settlements_since(client, min((f.created_at or 0) for f in failed))
    out = []
    for status in sorted(failed, key=lambda s: s.created_at or 0):
        if any(_is_retry_of(c, status) for c in everything):
            continue  # already retried: the retry is what counts now
        out.append(
            {
                "workflow_id": status.workflow_id,
                "error": "" if status.error is None else str(status.error),
                "invoice_id": _invoice_id(status),
                "app_version": getattr(status, "app_version", None),
            }
        )
    return out


def retry(client: DBOSClient, workflow_id: str) -> Any:
    original = _get_settlement(client, workflow_id)
    target = _latest_retry(client, original)
    handle: WorkflowHandle[Any]
    if target.status == "ERROR":
        handle = client.fork_workflow(
            target.workflow_id,
            _resume_step(client, target.workflow_id),
            application_version=current_release(client),
        )
    elif target.status in ("CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        release = current_release(client)
        if getattr(target, "app_version", None) in (None, "", release):
            handle = client.resume_workflow(target.workflow_id)
        else:
            # Stamped with an older release: resuming it there would leave it queued forever.
            handle = client.fork_workflow(
                target.workflow_id,
                _resume_step(client, target.workflow_id),
                application_version=release,
            )
    else:  # SUCCESS, or still queued / running: just wait for it
        handle = client.retrieve_workflow(target.workflow_id)
    return handle.get_result()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Inspect and repair settlements.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("failed", help="list failed settlements as JSON lines")
    retry_parser = commands.add_parser("retry", help="re-run a failed or cancelled settlement")
    retry_parser.add_argument("workflow_id")
    args = parser.parse_args(argv)

    client = DBOSClient(system_database_url=system_database_url())
    try:
        if args.command == "failed":
            for row in list_failed(client):
                print(json.dumps(row, default=str))
            return 0
        try:
            result = retry(client, args.workflow_id)
        except UnknownSettlement as e:
            print(str(e), file=sys.stderr)
            return 2
        except Exception as e:
            print(f"retry of {args.workflow_id} failed: {e}".replace("\n", " "), file=sys.stderr)
            return 1
        print(json.dumps(result, default=str))
        return 0
    finally:
        client.destroy()


if __name__ == "__main__":
    sys.exit(main())
