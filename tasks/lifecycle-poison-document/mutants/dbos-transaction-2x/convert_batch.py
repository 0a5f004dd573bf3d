"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies. Each
document is its own DBOS workflow (id ``<batch>:<doc id>``), so a restart recovers the documents that
were in flight and skips the finished ones. A document whose conversion kills the process is recovered
at most ``max_recovery_attempts`` more times; then DBOS dead-letters it (MAX_RECOVERY_ATTEMPTS_EXCEEDED)
and the batch reports it as failed instead of crash-looping. A PDF's row in the document store is written
in a transaction of the store's datasource, which commits the row together with the workflow's checkpoint,
so a crash right after that commit never writes it again.
"""

import json
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import converter
import docstore
import notify



@DBOS.step()
def convert(doc: dict) -> str:
    return converter.convert_to_pdf(doc)


@DBOS.transaction()
def record_pdf(batch: str, doc_id: str, url: str) -> None:
    docstore.record_pdf(DBOS.sql_session, batch, doc_id, url)


@DBOS.step()
def tell_owner(doc: dict, url: str) -> None:
    notify.pdf_ready(doc["doc_id"], doc["owner"], url)


@DBOS.workflow(max_recovery_attempts=2)  # 1 run + 2 recoveries = at most 3 tries, then dead-lettered
def convert_document(batch: str, doc: dict) -> str:
    url = convert(doc)
    record_pdf(batch, doc["doc_id"], url)
    tell_owner(doc, url)
    return url


def convert_batch(path: str) -> dict:
    docs = json.loads(Path(path).read_text())
    batch = Path(path).name
    handles = {}
    for doc in docs:
        with SetWorkflowID(f"{batch}:{doc['doc_id']}"):
            handles[doc["doc_id"]] = DBOS.start_workflow(convert_document, batch, doc)
    converted, failed = {}, []
    for doc_id, handle in handles.items():
        try:
            converted[doc_id] = handle.get_result()
        except error.DBOSAwaitedWorkflowMaxRecoveryAttemptsExceeded:
            failed.append(doc_id)
    return {"batch": batch, "converted": converted, "failed": failed}


def main() -> None:
    docstore.create_tables(sa.create_engine(docstore.database_url()))
    config: DBOSConfig = {
        "name": "doc-converter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_database_url": docstore.database_url(),
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(convert_batch(sys.argv[1])))
    DBOS.destroy()


if __name__ == "__main__":
    main()
