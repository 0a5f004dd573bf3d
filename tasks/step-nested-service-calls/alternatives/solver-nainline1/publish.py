"""Batch publisher: ``python publish.py <batch-file>`` publishes every product of a batch file and prints one
JSON line: ``{"batch": <file name without .json>, "published": <products>, "images": <images uploaded>}``.

Publishing is durable (DBOS). The system database is the Postgres database named by the required
``DBOS_SYSTEM_DATABASE_URL`` environment variable. A batch is one workflow whose ID is derived from the batch
file, so running the same batch again resumes an interrupted run or, once finished, just returns its summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import catalog_service


@DBOS.step()
def load_batch(batch_file: str) -> list[dict]:
    return json.loads(Path(batch_file).read_text())


@DBOS.workflow()
def publish_batch_workflow(batch_file: str) -> dict:
    products = load_batch(batch_file)
    # Each product is a child workflow (deterministic ID): a replay waits for it instead of publishing it again.
    published = [catalog_service.publish_product(p) for p in products]
    return {"batch": Path(batch_file).stem, "published": len(published),
            "images": sum(len(p["images"]) for p in published)}


def batch_workflow_id(batch_file: str) -> str:
    return f"publish-batch:{Path(batch_file).resolve()}"


def publish_batch(batch_file: str) -> dict:
    """Publish a batch file at most once (DBOS must be launched); returns the batch summary."""
    workflow_id = batch_workflow_id(batch_file)
    existing = DBOS.get_workflow_status(workflow_id)
    if (
        existing is not None
        and existing.status == "PENDING"
        and existing.app_version == DBOS.application_version
    ):
        # An earlier run of this batch was interrupted (or is still running elsewhere) and DBOS is already
        # resuming it: wait for it instead of publishing the same batch a second time alongside it.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return publish_batch_workflow(str(Path(batch_file).resolve()))


def dbos_config() -> DBOSConfig:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the publisher's Postgres system database")
    return {
        "name": "catalog-publisher",
        "system_database_url": url,
        # Pinned so that a new deploy still recovers batches interrupted under the previous one.
        "application_version": "1.0.0",
    }


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: publish.py <batch-file>", file=sys.stderr)
        return 2
    DBOS(config=dbos_config())
    DBOS.launch()
    try:
        print(json.dumps(publish_batch(argv[0])), flush=True)
    finally:
        DBOS.destroy()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
