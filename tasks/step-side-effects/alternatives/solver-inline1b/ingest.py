"""Document ingestion: classify every scanned document of a batch, index it for search, archive it,
and tell our partner through their webhook.

    python ingest.py <batch-id>

Each batch runs as a DBOS workflow keyed by the batch id, so an interrupted batch is picked up again
when the program restarts. Every side effect (classification, indexing, archiving, webhook) is its own
checkpointed step, so a recovered batch skips the work that was already done.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import search_index
import webhooks
from vendor import textcat

ARCHIVE = Path(os.environ.get("ARCHIVE_DIR", "archive"))


@DBOS.step()
def classify_document(text: str) -> str:
    return textcat.classify(text)["label"]


@DBOS.step()
def index_document(doc_id: str, title: str, label: str) -> int:
    return search_index.put(doc_id, {"title": title, "label": label})


@DBOS.step()
def archive_document(doc: dict, label: str) -> None:
    """Keep the document and its label in the archive, and list it in the archive manifest."""
    ARCHIVE.mkdir(parents=True, exist_ok=True)
    (ARCHIVE / f"{doc['doc_id']}.json").write_text(json.dumps({**doc, "label": label}))
    manifest_path = ARCHIVE / "manifest.jsonl"
    # Idempotent: if a crash hit after the manifest line was written but before this step's checkpoint,
    # the re-run must not list the document twice.
    if manifest_path.exists():
        for line in manifest_path.read_text().splitlines():
            if line.strip() and json.loads(line).get("doc_id") == doc["doc_id"]:
                return
    with manifest_path.open("a") as manifest:
        manifest.write(json.dumps({"doc_id": doc["doc_id"], "label": label}) + "\n")


@DBOS.step()
def announce_document(doc_id: str, label: str, version: int) -> None:
    webhooks.post("document.ingested", {"doc_id": doc_id, "label": label, "index_version": version})


@DBOS.step()
def load_batch(batch_id: str) -> list[dict]:
    return json.loads(Path("batches.json").read_text())[batch_id]


@DBOS.workflow()
def ingest_batch(batch_id: str) -> dict:
    labels = {}
    for doc in load_batch(batch_id):
        label = classify_document(doc["text"])
        version = index_document(doc["doc_id"], doc["title"], label)
        archive_document(doc, label)
        announce_document(doc["doc_id"], label, version)
        labels[doc["doc_id"]] = label
    return {"batch_id": batch_id, "ingested": len(labels), "labels": labels}


def run_batch(batch_id: str) -> dict:
    workflow_id = f"ingest-{batch_id}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Finished earlier (recorded result), or interrupted and being recovered by DBOS.launch():
        # wait for that execution instead of running the batch a second time alongside it.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return ingest_batch(batch_id)


def main() -> None:
    config: DBOSConfig = {
        "name": "doc-ingest",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "7",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = run_batch(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
