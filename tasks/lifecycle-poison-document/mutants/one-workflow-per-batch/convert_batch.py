"""Convert an uploaded batch of documents to PDF and tell each owner when theirs is ready.

usage: python convert_batch.py <batch.json>

The supervisor (systemd, Restart=always) starts the command again whenever the process dies. Each
document is its own DBOS workflow (id ``<batch>:<doc id>``), so a restart recovers the documents that
were in flight and skips the finished ones. A document whose conversion kills the process is recovered
at most ``max_recovery_attempts`` more times; then DBOS dead-letters it (MAX_RECOVERY_ATTEMPTS_EXCEEDED)
and the batch reports it as failed instead of crash-looping.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import converter
import notify


@DBOS.step()
def convert(doc: dict) -> str:
    return converter.convert_to_pdf(doc)


@DBOS.step()
def tell_owner(doc: dict, url: str) -> None:
    notify.pdf_ready(doc["doc_id"], doc["owner"], url)


@DBOS.workflow(max_recovery_attempts=2)  # 1 run + 2 recoveries = at most 3 tries, then dead-lettered
def convert_all(docs: list[dict]) -> dict:
    converted = {}
    for doc in docs:
        url = convert(doc)
        tell_owner(doc, url)
        converted[doc["doc_id"]] = url
    return converted


def convert_batch(path: str) -> dict:
    docs = json.loads(Path(path).read_text())
    batch = Path(path).name
    with SetWorkflowID(f"batch:{batch}"):
        handle = DBOS.start_workflow(convert_all, docs)
    try:
        converted, failed = handle.get_result(), []
    except error.DBOSAwaitedWorkflowMaxRecoveryAttemptsExceeded:
        converted, failed = {}, [doc["doc_id"] for doc in docs]
    return {"batch": batch, "converted": converted, "failed": failed}


def main() -> None:
    config: DBOSConfig = {
        "name": "doc-converter",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(convert_batch(sys.argv[1])))
    DBOS.destroy()


if __name__ == "__main__":
    main()
