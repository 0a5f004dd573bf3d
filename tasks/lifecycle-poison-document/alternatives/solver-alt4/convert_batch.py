"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies.

Durable with DBOS (system database: DBOS_SYSTEM_DATABASE_URL):
- the batch is a workflow whose ID is derived from the batch file name; each document is a child workflow
  (converted, then its owner emailed, each as a checkpointed step), and the documents run in parallel;
- after a crash, `DBOS.launch()` recovers the unfinished workflows, so the restarted command continues
  where the batch was: nothing converted or emailed twice, nothing skipped;
- a document whose conversion keeps killing the process gets MAX_TRIES tries in all: after that DBOS marks
  its workflow MAX_RECOVERY_ATTEMPTS_EXCEEDED, never runs it again, and the batch reports it as failed.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import converter
import notify

MAX_TRIES = 3  # tries in all for a document that crashes the converter
RUNNING_STATUSES = ("PENDING", "ENQUEUED", "DELAYED")


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database (Postgres)")
    return url


@DBOS.step()
def convert_step(doc: dict) -> str:
    return converter.convert_to_pdf(doc)


@DBOS.step()
def notify_step(doc_id: str, owner: str, url: str) -> None:
    notify.pdf_ready(doc_id, owner, url)


# One initial try plus MAX_TRIES - 1 recoveries; the next recovery marks the workflow
# MAX_RECOVERY_ATTEMPTS_EXCEEDED and it is never run again.
@DBOS.workflow(max_recovery_attempts=MAX_TRIES - 1)
def convert_document(doc: dict) -> str:
    url = convert_step(doc)
    notify_step(doc["doc_id"], doc["owner"], url)
    return url


class DocumentStillRunning(Exception):
    pass


@DBOS.step(retries_allowed=True, max_attempts=1_000_000, interval_seconds=0.5, backoff_rate=1.0)
def wait_until_finished(workflow_id: str) -> str:
    """Returns the final status of a document workflow (checks once; retried while it is running)."""
    status = DBOS.get_workflow_status(workflow_id)
    if status is None or status.status in RUNNING_STATUSES:
        raise DocumentStillRunning(workflow_id)
    return status.status


@DBOS.workflow()
def convert_batch_workflow(batch: str, docs: list[dict]) -> dict:
    # Child workflows: started once (a replay reattaches to the same children), run in parallel.
    handles = [DBOS.start_workflow(convert_document, doc) for doc in docs]
    converted: dict[str, str] = {}
    failed: list[str] = []
    for doc, handle in zip(docs, handles):
        final_status = wait_until_finished(handle.get_workflow_id())
        if final_status == "SUCCESS":
            converted[doc["doc_id"]] = handle.get_result()
        else:  # gave up after MAX_TRIES crashes (or the conversion failed)
            failed.append(doc["doc_id"])
    return {"batch": batch, "converted": converted, "failed": failed}


def convert_batch(path: str) -> dict:
    batch = Path(path).name
    docs = json.loads(Path(path).read_text())
    workflow_id = f"convert-batch-{batch}"
    if DBOS.get_workflow_status(workflow_id) is None:
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(convert_batch_workflow, batch, docs)
    else:
        # Started by an earlier run: DBOS.launch() already recovers it if unfinished; wait for it
        # (or get its recorded summary if it is done).
        handle = DBOS.retrieve_workflow(workflow_id)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python convert_batch.py <batch.json>")
    config: DBOSConfig = {
        "name": "convert-batch",
        "system_database_url": system_database_url(),
        # Pinned: the restarted command recovers the workflows of the process that died.
        "application_version": os.environ.get("CONVERT_BATCH_APP_VERSION", "1.0.0"),
        "run_admin_server": False,
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
