"""Ops tool for the settlement worker's incidents.

    python repair.py failed              # failed settlements, one JSON object per line
    python repair.py retry <workflow-id> # re-run a failed (or cancelled) settlement, print its result

It is a DBOS client of the worker's database. A failed settlement (ERROR) cannot be resumed, and a new run
would charge the card again, so `retry` forks it from the step that failed: the fork reuses the checkpoints
of the steps before it (the charge) and the running worker executes the rest. A cancelled settlement is
resumed where it stopped.

Both re-runs go back onto the worker's `settlements` queue under the settlement's own partition key (the
customer): by default a fork or a resume runs on DBOS's internal queue, outside the one-per-customer limit,
and on a partitioned queue a workflow without a partition key is never dequeued.
"""

import json
import os
import sys

from dbos import DBOSClient

QUEUE = "settlements"


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def failed(client: DBOSClient) -> list[dict]:
    rows = client.list_workflows(name="settle_invoice", status="ERROR", load_input=False, load_output=True)
    return [{"workflow_id": w.workflow_id, "error": str(w.error)} for w in rows]


def retry(client: DBOSClient, workflow_id: str) -> dict:
    found = client.list_workflows(workflow_ids=[workflow_id], load_input=False, load_output=False)
    if not found or found[0].name != "settle_invoice":
        print(f"repair.py: no settlement with workflow id {workflow_id!r}", file=sys.stderr)
        sys.exit(2)
    status, customer = found[0].status, found[0].queue_partition_key
    if status == "ERROR":
        steps = client.list_workflow_steps(workflow_id)
        failed_step = next(s["function_id"] for s in steps if s["error"] is not None)
        handle = client.fork_workflow(workflow_id, failed_step + 1, queue_name=QUEUE, queue_partition_key=customer)
    elif status == "CANCELLED":
        handle = client.resume_workflow(workflow_id, queue_name=QUEUE)  # keeps its partition key
    else:
        handle = client.retrieve_workflow(workflow_id)
    return handle.get_result(polling_interval_sec=0.2)


def main() -> None:
    if len(sys.argv) < 2 or sys.argv[1] not in ("failed", "retry") or (sys.argv[1] == "retry" and len(sys.argv) != 3):
        print("usage: repair.py failed | repair.py retry <workflow-id>", file=sys.stderr)
        sys.exit(2)
    client = _client()
    try:
        if sys.argv[1] == "failed":
            for row in failed(client):
                print(json.dumps(row))
        else:
            print(json.dumps(retry(client, sys.argv[2])))
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
