"""Dataset export worker.

Analysts request exports from the analytics UI, which enqueues `export_dataset(export_id, dataset)` on the
`exports` queue with the workflow id `export-<export id>`. An export copies every partition of the dataset
to the partner's bucket, one step per partition, then writes a manifest.

Start with `python exporter.py`; it runs until it is stopped.
"""

import logging
import os
import threading

from dbos import DBOS, DBOSConfig

import catalog
import sink

EXPORT_QUEUE = "exports"

log = logging.getLogger("exports")


@DBOS.step()
def list_partitions(dataset: str) -> list[str]:
    return catalog.partitions(dataset)


@DBOS.step(retries_allowed=True, max_attempts=3, interval_seconds=0.5)
def copy_partition(export_id: str, dataset: str, partition: str) -> dict:
    return sink.write_partition(export_id, dataset, partition)


@DBOS.step()
def write_manifest(export_id: str, dataset: str, receipts: list[dict]) -> str:
    return sink.write_manifest(export_id, dataset, receipts)


@DBOS.workflow()
def export_dataset(export_id: str, dataset: str) -> dict:
    receipts = [copy_partition(export_id, dataset, p) for p in list_partitions(dataset)]
    manifest = write_manifest(export_id, dataset, receipts)
    return {"export_id": export_id, "dataset": dataset, "partitions": len(receipts),
            "rows": sum(r["rows"] for r in receipts), "manifest": manifest}


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "dataset-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11.0",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(EXPORT_QUEUE, worker_concurrency=2)
    log.info("export worker ready on queue %r", EXPORT_QUEUE)
    threading.Event().wait()


if __name__ == "__main__":
    main()
