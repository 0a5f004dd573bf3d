"""Invoice intake gateway (async FastAPI, served with `uvicorn gateway:app`).

Accounting's tools upload an invoice's metadata with `POST /documents` and poll `GET /documents/{id}`.

The gateway does no OCR itself: it enqueues each document on the OCR worker's `ocr` queue (the
`invoices.extract` workflow of `ocr_worker.py`) through a `DBOSClient` connected to the worker's system
database (`DBOS_SYSTEM_DATABASE_URL`). Each document gets the workflow ID `invoice-<document_id>`, so a
document is extracted at most once, ever, and its status can be read back from any gateway replica.
"""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOSClient, EnqueueOptions

OCR_QUEUE = "ocr"
OCR_WORKFLOW = "invoices.extract"

# DBOS workflow status -> gateway status
_STATUS_MAP = {
    "ENQUEUED": "queued",
    "DELAYED": "queued",
    "PENDING": "processing",
    "SUCCESS": "done",
    "ERROR": "failed",
    "CANCELLED": "failed",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": "failed",
}


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the OCR worker's system database")
    return url


def workflow_id_for(document_id: str) -> str:
    return f"invoice-{document_id}"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    # One client per gateway process; the worker owns (and launches) the DBOS app.
    client = DBOSClient(system_database_url=system_database_url())
    app.state.dbos_client = client
    try:
        yield
    finally:
        client.destroy()


app = FastAPI(title="invoice gateway", lifespan=lifespan)


class Document(BaseModel):
    document_id: str
    pages: int


def _client() -> DBOSClient:
    client: Optional[DBOSClient] = getattr(app.state, "dbos_client", None)
    if client is None:
        # Served without running the lifespan: connect on first use (released at process exit).
        client = DBOSClient(system_database_url=system_database_url())
        app.state.dbos_client = client
    return client


async def _lookup(document_id: str) -> Optional[dict[str, Any]]:
    workflows = await _client().list_workflows_async(
        workflow_ids=[workflow_id_for(document_id)], load_input=False, load_output=True
    )
    if not workflows:
        return None
    wf = workflows[0]
    status = _STATUS_MAP.get(wf.status, "processing")
    result = wf.output if status == "done" else None
    return {"document_id": document_id, "status": status, "result": result}


@app.post("/documents", status_code=202)
async def submit(doc: Document) -> dict:
    existing = await _lookup(doc.document_id)
    if existing is not None:
        # Already submitted (waiting, running or done): never queue it again.
        return {"document_id": doc.document_id, "status": existing["status"]}
    options: EnqueueOptions = {
        "workflow_name": OCR_WORKFLOW,
        "queue_name": OCR_QUEUE,
        # Deterministic ID: a concurrent duplicate submission attaches to the same workflow.
        "workflow_id": workflow_id_for(doc.document_id),
    }
    await _client().enqueue_async(options, doc.document_id, doc.pages)
    return {"document_id": doc.document_id, "status": "queued"}


@app.get("/documents/{document_id}")
async def status(document_id: str) -> dict:
    found = await _lookup(document_id)
    if found is None:
        raise HTTPException(status_code=404, detail="unknown document")
    return found
