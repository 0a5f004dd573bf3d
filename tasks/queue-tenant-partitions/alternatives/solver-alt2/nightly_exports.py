"""Nightly job: run every export our tenants requested during the day.

usage: python nightly_exports.py [requests-file]     (default: export_requests.json; needs DBOS_SYSTEM_DATABASE_URL)

Every export is a durable DBOS workflow with the ID ``export-<export_id>``, enqueued on the ``tenant-exports``
queue. The queue is partitioned by tenant with a concurrency of 1 per partition: exports of different tenants
run in parallel, a single tenant never has two at once. If the worker is killed, running the same command
again resumes the interrupted exports from their checkpoints and enqueues the missing ones; exports that
already ran are not run again.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, SetWorkflowID, WorkflowHandle

import warehouse

EXPORT_QUEUE = "tenant-exports"


def load_requests(path: str) -> list[dict]:
    requests = json.loads(Path(path).read_text())
    seen = set()
    for request in requests:
        if request["export_id"] in seen:
            raise ValueError(f"duplicate export id {request['export_id']}")
        seen.add(request["export_id"])
    return requests


@DBOS.step()
def export_dataset(tenant: str, dataset: str, export_id: str) -> str:
    return warehouse.export_dataset(tenant, dataset, export_id)


@DBOS.workflow()
def run_export(request: dict) -> str:
    return export_dataset(request["tenant"], request["dataset"], request["export_id"])


def register_queues() -> None:
    """Call right after DBOS.launch(): at most one running export per tenant, tenants in parallel."""
    DBOS.register_queue(EXPORT_QUEUE, partition_concurrency=1)


def enqueue_export(request: dict) -> WorkflowHandle[str]:
    """Enqueue the export once; later calls attach to the existing (queued, running or finished) workflow."""
    workflow_id = f"export-{request['export_id']}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        return DBOS.retrieve_workflow(workflow_id)
    with SetWorkflowID(workflow_id):
        with SetEnqueueOptions(queue_partition_key=request["tenant"]):
            return DBOS.enqueue_workflow(EXPORT_QUEUE, run_export, request)


def run_exports(requests: list[dict]) -> dict:
    """Runs every request on the partitioned queue; DBOS must be launched and the queue registered."""
    handles = [enqueue_export(request) for request in requests]
    urls = {request["export_id"]: handle.get_result() for request, handle in zip(requests, handles)}
    return {"exported": len(urls), "urls": urls}


def main(path: str) -> None:
    requests = load_requests(path)
    config: DBOSConfig = {
        "name": "nightly-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        register_queues()
        summary = run_exports(requests)
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "export_requests.json")
