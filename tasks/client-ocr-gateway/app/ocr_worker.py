"""The OCR worker (owned by the OCR team; runs on the GPU boxes as `python ocr_worker.py`). Do not modify.

A DBOS app: it registers the `ocr` queue and works it off, running the `invoices.extract` workflow
(`extract_invoice(document_id, pages)`) for each job. The workflow reads every page, stores the extraction
(a JSON line in EXTRACTIONS, default extractions.jsonl) and returns
`{"document_id": ..., "pages": <n>, "total_cents": <sum>}`.
"""

import json
import os
import threading
from pathlib import Path

from dbos import DBOS, DBOSConfig

import ocr_engine

OCR_QUEUE = "ocr"


@DBOS.step()
def read_page(document_id: str, page: int) -> dict:
    return ocr_engine.read_page(document_id, page)


@DBOS.step()
def store_extraction(document_id: str, total_cents: int, pages: int) -> None:
    with Path(os.environ.get("EXTRACTIONS", "extractions.jsonl")).open("a") as f:
        f.write(json.dumps({"document_id": document_id, "pages": pages, "total_cents": total_cents}) + "\n")


@DBOS.workflow(name="invoices.extract")
def extract_invoice(document_id: str, pages: int) -> dict:
    total = sum(read_page(document_id, page)["amount_cents"] for page in range(1, pages + 1))
    store_extraction(document_id, total, pages)
    return {"document_id": document_id, "pages": pages, "total_cents": total}


def main() -> None:
    config: DBOSConfig = {
        "name": "invoice-ocr",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "ocr-7",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(OCR_QUEUE, worker_concurrency=2)
    print("ocr worker ready", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main()
