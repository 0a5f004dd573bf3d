"""Invoice intake gateway (async FastAPI, served with `uvicorn gateway:app`).

Accounting's tools upload an invoice's metadata with `POST /documents` and poll `GET /documents/{id}`.
Today the OCR runs right inside the request.
"""

import asyncio

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import ocr_engine

app = FastAPI(title="invoice gateway")

RESULTS: dict[str, dict] = {}


class Document(BaseModel):
    document_id: str
    pages: int


def extract(document_id: str, pages: int) -> dict:
    total = sum(ocr_engine.read_page(document_id, page)["amount_cents"] for page in range(1, pages + 1))
    return {"document_id": document_id, "pages": pages, "total_cents": total}


@app.post("/documents", status_code=202)
async def submit(doc: Document) -> dict:
    RESULTS[doc.document_id] = await asyncio.to_thread(extract, doc.document_id, doc.pages)
    return {"document_id": doc.document_id, "status": "done"}


@app.get("/documents/{document_id}")
async def status(document_id: str) -> dict:
    if document_id not in RESULTS:
        raise HTTPException(status_code=404, detail="unknown document")
    return {"document_id": document_id, "status": "done", "result": RESULTS[document_id]}
