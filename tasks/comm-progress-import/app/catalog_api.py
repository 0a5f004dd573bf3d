"""Catalog service: imports supplier product feeds into our storefront.

Run with: uvicorn catalog_api:app
"""

import json
import threading
import time
from pathlib import Path

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import storefront

BATCH_SIZE = 25
PAUSE_BETWEEN_BATCHES_S = 0.25

app = FastAPI(title="catalog")
IMPORTS: dict[str, dict] = {}  # import_id -> progress


class ImportRequest(BaseModel):
    import_id: str
    feed: str  # path of the feed file, e.g. feeds/acme-2024-07.json


def run_import(import_id: str, feed: str) -> None:
    products = json.loads(Path(feed).read_text())["products"]
    progress = IMPORTS[import_id]
    progress["total"] = len(products)
    for start in range(0, len(products), BATCH_SIZE):
        if start:
            time.sleep(PAUSE_BETWEEN_BATCHES_S)
        progress["processed"] += storefront.upsert_products(products[start:start + BATCH_SIZE])
    progress["state"] = "done"


@app.post("/imports", status_code=202)
def start_import(request: ImportRequest) -> dict:
    if request.import_id not in IMPORTS:
        IMPORTS[request.import_id] = {"state": "running", "processed": 0, "total": None}
        threading.Thread(target=run_import, args=(request.import_id, request.feed), daemon=True).start()
    return {"import_id": request.import_id, **IMPORTS[request.import_id]}


@app.get("/imports/{import_id}")
def import_progress(import_id: str) -> dict:
    if import_id not in IMPORTS:
        raise HTTPException(404, "no such import")
    return {"import_id": import_id, **IMPORTS[import_id]}
