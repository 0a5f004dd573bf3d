"""Nightly job: run every export our tenants requested during the day.

Each export is a DBOS workflow (id ``export-<export id>``) on the "tenant-exports" queue, partitioned by
tenant: exports of different tenants run in parallel, a tenant never has two running at once. A job killed
part-way resumes when the command runs again (recovery plus idempotent enqueues by workflow id), and a
finished export is never run twice.

usage: python nightly_exports.py [requests-file]     (default: export_requests.json)
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, SetWorkflowID

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
def export_dataset(request: dict) -> str:
    return warehouse.export_dataset(request["tenant"], request["dataset"], request["export_id"])


@DBOS.workflow()
def run_export(request: dict) -> str:
    return export_dataset(request)


def run_exports(requests: list[dict]) -> dict:
    handles = {}
    for request in requests:
        with SetWorkflowID(f"export-{request['export_id']}"), \
                SetEnqueueOptions(queue_partition_key=request["tenant"]):
            handles[request["export_id"]] = DBOS.enqueue_workflow(EXPORT_QUEUE, run_export, request)
    urls = {export_id: handle.get_result() for export_id, handle in handles.items()}
    return {"exported": len(urls), "urls": urls}


def main() -> None:
    requests = load_requests(sys.argv[1] if len(sys.argv) > 1 else "export_requests.json")
    config: DBOSConfig = {
        "name": "nightly-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.10",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(EXPORT_QUEUE, partition_concurrency=1)
    print(json.dumps(run_exports(requests)))
    DBOS.destroy()


if __name__ == "__main__":
    main()
