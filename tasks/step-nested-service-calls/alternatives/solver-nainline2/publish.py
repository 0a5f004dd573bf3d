"""Batch publisher: ``python publish.py <batch-file>`` publishes every product of a batch file and prints one
JSON line: ``{"batch": <file name without .json>, "published": <products>, "images": <images uploaded>}``.

Publishing is durable (DBOS, system database from ``DBOS_SYSTEM_DATABASE_URL``): a batch is one workflow
with the ID ``publish-batch:<batch name>``, and each product is a child workflow whose image uploads and
search indexing are checkpointed steps. Running the command again after a crash finishes the batch without
uploading or indexing anything twice; running a finished batch again only prints its recorded summary.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import catalog_service


@DBOS.step(name="publish.load_batch")
def load_batch(batch_file: str) -> list[dict]:
    return json.loads(Path(batch_file).read_text())


@DBOS.workflow(name="publish.publish_batch")
def publish_batch_workflow(batch_file: str) -> dict:
    products = load_batch(batch_file)
    # Each call is a child workflow with a deterministic ID: on replay, finished products return their
    # recorded result and an interrupted one is resumed, never started again.
    published = [catalog_service.publish_product(p) for p in products]
    return {"batch": Path(batch_file).stem, "published": len(published),
            "images": sum(len(p["images"]) for p in published)}


def batch_workflow_id(batch_file: str) -> str:
    return f"publish-batch:{Path(batch_file).stem}"


def publish_batch(batch_file: str) -> dict:
    """Publish a batch file at most once (DBOS must be launched); returns the batch summary."""
    workflow_id = batch_workflow_id(batch_file)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished, or interrupted and being resumed by DBOS.launch() recovery: wait for its result
        # instead of running it a second time.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return publish_batch_workflow(batch_file)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: publish.py <batch-file>", file=sys.stderr)
        return 2
    system_database_url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not system_database_url:
        print("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database", file=sys.stderr)
        return 2
    config: DBOSConfig = {
        "name": "catalog-publisher",
        "system_database_url": system_database_url,
        # Pinned so that a rerun with new code still recovers the batches interrupted by the old one.
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = publish_batch(argv[0])
    finally:
        DBOS.destroy()
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
