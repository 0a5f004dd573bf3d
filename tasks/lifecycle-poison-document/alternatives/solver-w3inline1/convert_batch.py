"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies.

The batch is a durable DBOS workflow (ID ``convert-batch-<file name>``). Each document is its own child
workflow, so the documents are converted concurrently and each one's progress is checkpointed: after a
crash the restarted command resumes the batch, and a document already converted or emailed is never
converted or emailed again. A document whose conversion kills the process is recovered at most
``DOC_MAX_RECOVERY_ATTEMPTS`` times (3 tries in all); after that DBOS marks it
MAX_RECOVERY_ATTEMPTS_EXCEEDED, it is never tried again, and the batch reports it as failed.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

import converter
import notify

# First try + 2 recoveries = 3 tries in all for a document that crashes the converter.
DOC_MAX_RECOVERY_ATTEMPTS = 2


@DBOS.step()
def convert_pdf(doc: dict) -> str:
    return converter.convert_to_pdf(doc)


@DBOS.step()
def email_owner(doc_id: str, owner: str, url: str) -> None:
    notify.pdf_ready(doc_id, owner, url)


@DBOS.workflow(max_recovery_attempts=DOC_MAX_RECOVERY_ATTEMPTS)
def convert_document(doc: dict) -> str:
    url = convert_pdf(doc)
    email_owner(doc["doc_id"], doc["owner"], url)
    return url


@DBOS.workflow()
def convert_batch_workflow(batch: str, docs: list[dict]) -> dict:
    # One child workflow per document: they run concurrently, so a bad document being retried does not
    # hold up the others. On replay the recorded children are reattached, never started again.
    handles: list[WorkflowHandle[str]] = [DBOS.start_workflow(convert_document, doc) for doc in docs]
    converted: dict[str, str] = {}
    failed: list[str] = []
    for doc, handle in zip(docs, handles):
        try:
            converted[doc["doc_id"]] = handle.get_result()
        except Exception:
            # The document crashed the converter on every one of its tries
            # (MAX_RECOVERY_ATTEMPTS_EXCEEDED): it is given up on.
            failed.append(doc["doc_id"])
    return {"batch": batch, "converted": converted, "failed": failed}


def batch_workflow_id(batch: str) -> str:
    return f"convert-batch-{batch}"


def convert_batch(path: str) -> dict:
    """Run (or resume, or look up) the batch's workflow and return its summary. DBOS must be launched."""
    batch = Path(path).name
    workflow_id = batch_workflow_id(batch)
    if DBOS.get_workflow_status(workflow_id) is None:
        docs = json.loads(Path(path).read_text())
        with SetWorkflowID(workflow_id):
            handle: WorkflowHandle[dict] = DBOS.start_workflow(convert_batch_workflow, batch, docs)
    else:
        # Already started by an earlier run: DBOS.launch() recovers it if it was interrupted (or it is
        # already done); just wait for its result instead of starting it a second time.
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python convert_batch.py <batch.json>")
    config: DBOSConfig = {
        "name": "convert-batch",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = convert_batch(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
