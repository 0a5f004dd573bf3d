"""Batch publisher: ``python publish.py <batch-file>`` publishes every product of a batch file and prints one
JSON line: ``{"batch": <file name without .json>, "published": <products>, "images": <images uploaded>}``.

The batch is a DBOS workflow whose id is the batch name: a run killed mid-way is recovered when the program
starts again, and a finished batch returns its recorded summary. Each product is a child workflow.
"""

import json
import os
import sys
from pathlib import Path

import catalog_service
from dbos import DBOS, DBOSConfig, SetWorkflowID


@DBOS.step()
def load_products(batch_file: str) -> list[dict]:
    return json.loads(Path(batch_file).read_text())


@DBOS.workflow()
def publish_batch_workflow(batch_file: str) -> dict:
    published = [catalog_service.publish_product(p) for p in load_products(batch_file)]
    return {"batch": Path(batch_file).stem, "published": len(published),
            "images": sum(len(p["images"]) for p in published)}


def publish_batch(batch_file: str) -> dict:
    with SetWorkflowID(f"publish-{Path(batch_file).stem}"):
        return publish_batch_workflow(batch_file)


def main() -> None:
    config: DBOSConfig = {
        "name": "catalog-publisher",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "publisher-1",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(publish_batch(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
