"""Document ingestion: classify every scanned document of a batch, index it for search, archive it,
and tell our partner through their webhook.

    python ingest.py <batch-id>

Each batch runs as a DBOS workflow keyed by the batch id, so an interrupted batch is picked up again
when the program restarts.
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


def archive_document(doc: dict, label: str) -> None:
    """Keep the document and its label in the archive, and list it in the archive manifest."""
    ARCHIVE.mkdir(parents=True, exist_ok=True)
    (ARCHIVE / f"{doc['doc_id']}.json").write_text(json.dumps({**doc, "label": label}))
    with (ARCHIVE / "manifest.jsonl").open("a") as manifest:
        manifest.write(json.dumps({"doc_id": doc["doc_id"], "label": label}) + "\n")


@DBOS.step()
def load_batch(batch_id: str) -> list[dict]:
    return json.loads(Path("batches.json").read_text())[batch_id]


@DBOS.workflow()
def ingest_batch(batch_id: str) -> dict:
    labels = {}
    for doc in load_batch(batch_id):
        label = textcat.classify(doc["text"])["label"]
        version = search_index.put(doc["doc_id"], {"title": doc["title"], "label": label})
        archive_document(doc, label)
        webhooks.post("document.ingested", {"doc_id": doc["doc_id"], "label": label, "index_version": version})
        labels[doc["doc_id"]] = label
    return {"batch_id": batch_id, "ingested": len(labels), "labels": labels}


def main() -> None:
    config: DBOSConfig = {
        "name": "doc-ingest",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "7",
    }
    DBOS(config=config)
    DBOS.launch()
    with SetWorkflowID(f"ingest-{sys.argv[1]}"):
        summary = ingest_batch(sys.argv[1])
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
