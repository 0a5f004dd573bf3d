"""Document ingestion: classify every scanned document of a batch, index it for search, archive it,
and tell our partner through their webhook.

    python ingest.py <batch-id>

Each batch runs as a DBOS workflow keyed by the batch id, so an interrupted batch is picked up again
when the program restarts. Every external effect (classification, indexing, archiving, webhook) is its
own DBOS step: DBOS records each step's result, so a recovered batch skips the steps that already
completed and only performs what is left, exactly once.
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

# Bumped whenever the workflow's steps change, so a batch interrupted under an older layout of steps is
# never replayed against this one.
APPLICATION_VERSION = "8"


def archive_document(doc: dict, label: str) -> None:
    """Keep the document and its label in the archive, and list it in the archive manifest."""
    ARCHIVE.mkdir(parents=True, exist_ok=True)
    (ARCHIVE / f"{doc['doc_id']}.json").write_text(json.dumps({**doc, "label": label}))
    manifest_path = ARCHIVE / "manifest.jsonl"
    if manifest_path.exists():
        # If we crashed after listing the document but before the step was recorded, don't list it twice.
        for line in manifest_path.read_text().splitlines():
            if line.strip() and json.loads(line).get("doc_id") == doc["doc_id"]:
                return
    with manifest_path.open("a") as manifest:
        manifest.write(json.dumps({"doc_id": doc["doc_id"], "label": label}) + "\n")


@DBOS.step()
def load_batch(batch_id: str) -> list[dict]:
    return json.loads(Path("batches.json").read_text())[batch_id]


@DBOS.step()
def classify_document(text: str) -> str:
    return textcat.classify(text)["label"]


@DBOS.step()
def index_document(doc_id: str, title: str, label: str) -> int:
    return search_index.put(doc_id, {"title": title, "label": label})


@DBOS.step()
def archive_step(doc: dict, label: str) -> None:
    archive_document(doc, label)


@DBOS.step()
def announce_document(doc_id: str, label: str, version: int) -> None:
    webhooks.post("document.ingested", {"doc_id": doc_id, "label": label, "index_version": version})


@DBOS.workflow()
def ingest_batch(batch_id: str) -> dict:
    labels = {}
    for doc in load_batch(batch_id):
        label = classify_document(doc["text"])
        version = index_document(doc["doc_id"], doc["title"], label)
        archive_step(doc, label)
        announce_document(doc["doc_id"], label, version)
        labels[doc["doc_id"]] = label
    return {"batch_id": batch_id, "ingested": len(labels), "labels": labels}


def run_batch(batch_id: str) -> dict:
    wfid = f"ingest-{batch_id}"
    if DBOS.get_workflow_status(wfid) is not None:
        # Already ingested, or interrupted and being recovered by DBOS (launch() resumes it in the
        # background): wait for that execution instead of starting a second, concurrent one.
        return DBOS.retrieve_workflow(wfid).get_result()
    with SetWorkflowID(wfid):
        handle = DBOS.start_workflow(ingest_batch, batch_id)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "doc-ingest",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    summary = run_batch(sys.argv[1])
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
