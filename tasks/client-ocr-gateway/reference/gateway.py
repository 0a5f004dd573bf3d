"""Invoice intake gateway (async FastAPI, served with `uvicorn gateway:app`).

Accounting's tools upload an invoice's metadata with `POST /documents` and poll `GET /documents/{id}`.
The OCR runs in the OCR team's DBOS worker (`ocr_worker.py`): the gateway only talks to its Postgres through
a `DBOSClient` (it never launches DBOS and never imports the worker or the OCR engine). A document is
enqueued on the worker's `ocr` queue as its `invoices.extract` workflow with the document id as the
workflow id, so a second submission of the same id attaches to the existing workflow instead of queueing
another one, and any gateway replica can report on it by id. Urgent documents are enqueued with a higher queue
priority than normal ones, so the worker takes them ahead of the waiting backlog.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOSClient, EnqueueOptions
from fastapi import FastAPI, HTTPException, Request
from pydantic import BaseModel

OCR_QUEUE = "ocr"
EXTRACT_WORKFLOW = "invoices.extract"  # the name ocr_worker.py registers its workflow under
STATUSES = {"ENQUEUED": "queued", "DELAYED": "queued", "PENDING": "processing", "SUCCESS": "done"}


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.dbos = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        yield
    finally:
        app.state.dbos.destroy()


app = FastAPI(title="invoice gateway", lifespan=lifespan)


# Lower runs first. Every enqueue gets a priority: one enqueued without any is stored as 0 and would be taken
# ahead of even the urgent ones.
URGENT_PRIORITY = 1
NORMAL_PRIORITY = 100


class Document(BaseModel):
    document_id: str
    pages: int
    urgent: bool = False


async def describe(client: DBOSClient, document_id: str) -> dict | None:
    statuses = await client.list_workflows_async(workflow_ids=[document_id])
    if not statuses:
        return None
    status = STATUSES.get(statuses[0].status, "failed")
    result = None
    if status == "done":
        result = await (await client.retrieve_workflow_async(document_id)).get_result()
    return {"document_id": document_id, "status": status, "result": result}


@app.post("/documents", status_code=202)
async def submit(doc: Document, request: Request) -> dict:
    client: DBOSClient = request.app.state.dbos
    current = await describe(client, doc.document_id)
    if current is not None:  # already submitted: report it, never queue it again
        return {"document_id": doc.document_id, "status": current["status"]}
    options: EnqueueOptions = {"queue_name": OCR_QUEUE, "workflow_name": EXTRACT_WORKFLOW,
                               "workflow_id": doc.document_id,
                               "priority": URGENT_PRIORITY if doc.urgent else NORMAL_PRIORITY}
    # A concurrent duplicate enqueues the same workflow id: DBOS attaches it to the existing workflow.
    await client.enqueue_async(options, doc.document_id, doc.pages)
    return {"document_id": doc.document_id, "status": "queued"}


@app.get("/documents/{document_id}")
async def status(document_id: str, request: Request) -> dict:
    found = await describe(request.app.state.dbos, document_id)
    if found is None:
        raise HTTPException(status_code=404, detail="unknown document")
    return found
