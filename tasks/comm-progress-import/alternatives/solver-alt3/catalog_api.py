"""Catalog service: imports supplier product feeds into our storefront.

Each import is a durable DBOS workflow (workflow ID ``import-<import_id>``). Every batch sent to the
storefront is a checkpointed step, so a restarted service resumes an interrupted import after the last
batch that was sent. The workflow publishes its progress in the ``progress`` event, which is stored in the
system database and therefore survives restarts.

Run with: uvicorn catalog_api:app
Requires: DBOS_SYSTEM_DATABASE_URL (Postgres URL of the DBOS system database).
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID

import storefront

BATCH_SIZE = 25
PAUSE_BETWEEN_BATCHES_S = 0.25
PROGRESS_EVENT = "progress"


def workflow_id_for(import_id: str) -> str:
    return f"import-{import_id}"


class ImportRequest(BaseModel):
    import_id: str
    feed: str  # path of the feed file, e.g. feeds/acme-2024-07.json


@DBOS.step()
def load_products(feed: str) -> list[dict]:
    return json.loads(Path(feed).read_text())["products"]


@DBOS.step()
def send_batch(batch: list[dict]) -> int:
    return storefront.upsert_products(batch)


def _progress(state: str, processed: int, total: Optional[int]) -> dict[str, Any]:
    return {"state": state, "processed": processed, "total": total}


@DBOS.workflow()
def run_import(import_id: str, feed: str) -> dict[str, Any]:
    DBOS.set_event(PROGRESS_EVENT, _progress("running", 0, None))
    products = load_products(feed)
    total = len(products)
    processed = 0
    DBOS.set_event(PROGRESS_EVENT, _progress("running", processed, total))
    for start in range(0, total, BATCH_SIZE):
        if start:
            # Storefront rate limit; durable, so a recovered import keeps the pause too.
            DBOS.sleep(PAUSE_BETWEEN_BATCHES_S)
        processed += send_batch(products[start:start + BATCH_SIZE])
        DBOS.set_event(PROGRESS_EVENT, _progress("running", processed, total))
    final = _progress("done", processed, total)
    DBOS.set_event(PROGRESS_EVENT, final)
    return final


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "catalog",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # resumes imports interrupted by a restart
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="catalog", lifespan=lifespan)


def _read_progress(workflow_id: str, wait_s: float) -> dict[str, Any]:
    progress = DBOS.get_event(workflow_id, PROGRESS_EVENT, timeout_seconds=wait_s)
    if progress is None:
        return _progress("running", 0, None)
    return dict(progress)


# Sync routes run in a worker thread, so the sync DBOS APIs are fine here.


@app.post("/imports", status_code=202)
def start_import(request: ImportRequest) -> dict:
    workflow_id = workflow_id_for(request.import_id)
    # The same import_id always maps to the same workflow: posting it again attaches to the existing import.
    with SetWorkflowID(workflow_id):
        DBOS.start_workflow(run_import, request.import_id, request.feed)
    return {"import_id": request.import_id, **_read_progress(workflow_id, wait_s=0.5)}


@app.get("/imports/{import_id}")
def import_progress(import_id: str) -> dict:
    workflow_id = workflow_id_for(import_id)
    status = DBOS.get_workflow_status(workflow_id)
    if status is None:
        raise HTTPException(404, "no such import")
    progress = _read_progress(workflow_id, wait_s=0.5)
    if status.status == "ERROR":
        progress["state"] = "failed"
    return {"import_id": import_id, **progress}
