"""Invoice intake gateway (async FastAPI, served with `uvicorn gateway:app`).

Accounting's tools upload an invoice's metadata with `POST /documents` and poll `GET /documents/{id}`.

The gateway does no OCR itself: it hands each document to the OCR worker (`ocr_worker.py`, a DBOS app on the
GPU boxes) by enqueuing the worker's `invoices.extract` workflow on its `ocr` queue through a `DBOSClient`
connected to the worker's system database (DBOS_SYSTEM_DATABASE_URL). Each document gets the workflow ID
`invoice-<document_id>`, so a document is extracted at most once, ever, and its status and result are read
back from that workflow: any gateway replica can answer, before or after a restart.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from dbos import DBOSClient, EnqueueOptions
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

OCR_QUEUE = "ocr"
OCR_WORKFLOW = "invoices.extract"

# DBOS workflow status -> the status the gateway reports.
STATUS_MAP = {
    "ENQUEUED": "queued",
    "DELAYED": "queued",
    "PENDING": "processing",
    "SUCCESS": "done",
    "ERROR": "failed",
    "CANCELLED": "failed",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": "failed",
}

_client: Optional[DBOSClient] = None


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        raise RuntimeError("DBOS_SYSTEM_DATABASE_URL is not set: point it at the OCR worker's system database")
    return url


def get_client() -> DBOSClient:
    global _client
    if _client is None:
        _client = DBOSClient(system_database_url=system_database_url())
    return _client


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    global _client
    get_client()  # one client (one connection pool) per gateway process
    try:
        yield
    finally:
        if _client is not None:
            _client.destroy()
            _client = None


app = FastAPI(title="invoice gateway", lifespan=lifespan)


class Document(BaseModel):
    document_id: str
    pages: int


def workflow_id_for(document_id: str) -> str:
    return f"invoice-{document_id}"


async def lookup(document_id: str) -> Optional[dict[str, Any]]:
    """The document's current status and result, or None if it was never submitted."""
    rows = await get_client().list_workflows_async(workflow_ids=[workflow_id_for(document_id)])
    if not rows:
        return None
    wf = rows[0]
    status = STATUS_MAP.get(wf.status, "processing")
    result = wf.output if status == "done" else None
    return {"document_id": document_id, "status": status, "result": result}


@app.post("/documents", status_code=202)
async def submit(doc: Document) -> dict:
    existing = await lookup(doc.document_id)
    if existing is not None:
        # Retry or duplicate upload: never queue it again, report where it is.
        return {"document_id": doc.document_id, "status": existing["status"]}
    options: EnqueueOptions = {
        "workflow_name": OCR_WORKFLOW,
        "queue_name": OCR_QUEUE,
        # Deterministic ID: a concurrent duplicate enqueue attaches to the same workflow.
        "workflow_id": workflow_id_for(doc.document_id),
    }
    await get_client().enqueue_async(options, doc.document_id, doc.pages)
    return {"document_id": doc.document_id, "status": "queued"}


@app.get("/documents/{document_id}")
async def status(document_id: str) -> dict:
    found = await lookup(document_id)
    if found is None:
        raise HTTPException(status_code=404, detail="unknown document")
    return found
