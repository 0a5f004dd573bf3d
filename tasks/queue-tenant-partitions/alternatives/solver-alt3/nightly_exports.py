"""Nightly job: run every export our tenants requested during the day.

usage: DBOS_SYSTEM_DATABASE_URL=postgresql://... python nightly_exports.py [requests-file]
       (default requests file: export_requests.json)

Every export is a durable DBOS workflow with the workflow ID ``export-<export_id>``, enqueued on the
``tenant-exports`` queue partitioned by tenant: exports of different tenants run in parallel, a tenant
never has more than one export running. Because the ID is derived from the export id, re-running the job
(after a crash, or after it finished) reattaches to the existing exports instead of running them again;
exports interrupted by a crash are resumed by DBOS when the job starts again.
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


def register_queues() -> None:
    """Call after DBOS.launch(). One export at a time per tenant (the partition key)."""
    DBOS.register_queue(EXPORT_QUEUE, partition_concurrency=1)


@DBOS.step()
def export_dataset(tenant: str, dataset: str, export_id: str) -> str:
    return warehouse.export_dataset(tenant, dataset, export_id)


@DBOS.workflow()
def export_workflow(tenant: str, dataset: str, export_id: str) -> str:
    return export_dataset(tenant, dataset, export_id)


def export_workflow_id(export_id: str) -> str:
    return f"export-{export_id}"


def enqueue_export(request: dict) -> WorkflowHandle[str]:
    # Same export id -> same workflow: enqueuing it again returns the existing workflow's handle.
    with SetWorkflowID(export_workflow_id(request["export_id"])):
        with SetEnqueueOptions(queue_partition_key=request["tenant"]):
            return DBOS.enqueue_workflow(
                EXPORT_QUEUE, export_workflow, request["tenant"], request["dataset"], request["export_id"]
            )


def run_exports(requests: list[dict]) -> dict:
    """Runs every export once. DBOS must be launched."""
    register_queues()
    handles = [(request["export_id"], enqueue_export(request)) for request in requests]
    urls = {export_id: handle.get_result() for export_id, handle in handles}
    return {"exported": len(urls), "urls": urls}


def main() -> None:
    requests = load_requests(sys.argv[1] if len(sys.argv) > 1 else "export_requests.json")
    config: DBOSConfig = {
        "name": "nightly-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    register_queues()
    try:
        print(json.dumps(run_exports(requests)), flush=True)
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
