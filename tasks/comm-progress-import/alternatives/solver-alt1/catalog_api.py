"""Catalog service: imports supplier product feeds into our storefront.

Run with: uvicorn catalog_api:app

Each import is a durable DBOS workflow (ID ``import-<import_id>``) checkpointed in the system database named
by ``DBOS_SYSTEM_DATABASE_URL``. Every batch sent to the storefront is a step, so after a restart the import
resumes where it stopped without resending or skipping a batch. The workflow publishes its progress in its
``progress`` event, which is stored in the database and so survives restarts too.
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


def import_workflow_id(import_id: str) -> str:
    return f"import-{import_id}"


class ImportRequest(BaseModel):
    import_id: str
    feed: str  # path of the feed file, e.g. feeds/acme-2024-07.json


# --- Steps ----------------------------------------------------------------------------------------------


@DBOS.step()
def load_feed(feed: str) -> list[dict]:
    return json.loads(Path(feed).read_text())["products"]


@DBOS.step()
def upsert_batch(products: list[dict]) -> int:
    return storefront.upsert_products(products)


# --- Workflow -------------------------------------------------------------------------------------------


@DBOS.workflow()
def run_import(import_id: str, feed: str) -> dict:
    products = load_feed(feed)
    total = len(products)
    processed = 0
    DBOS.set_event(PROGRESS_EVENT, {"state": "running", "processed": processed, "total": total})
    for start in range(0, total, BATCH_SIZE):
        if start:
            DBOS.sleep(PAUSE_BETWEEN_BATCHES_S)  # the storefront's rate limit, durable across restarts
        processed += upsert_batch(products[start:start + BATCH_SIZE])
        DBOS.set_event(PROGRESS_EVENT, {"state": "running", "processed": processed, "total": total})
    progress = {"state": "done", "processed": processed, "total": total}
    DBOS.set_event(PROGRESS_EVENT, progress)
    return progress


# --- App ------------------------------------------------------------------------------------------------


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "catalog",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="catalog", lifespan=lifespan)


def latest_progress(import_id: str) -> Optional[dict[str, Any]]:
    """The import's latest reported progress; None if there is no such import."""
    workflow_id = import_workflow_id(import_id)
    progress = DBOS.get_event(workflow_id, PROGRESS_EVENT, timeout_seconds=0)
    if progress is not None:
        return dict(progress)
    if DBOS.get_workflow_status(workflow_id) is None:
        return None
    return {"state": "running", "processed": 0, "total": None}  # started, no progress reported yet


@app.post("/imports", status_code=202)
def start_import(request: ImportRequest) -> dict:
    # The import ID is the workflow ID: posting it again attaches to the existing import.
    with SetWorkflowID(import_workflow_id(request.import_id)):
        DBOS.start_workflow(run_import, request.import_id, request.feed)
    progress = latest_progress(request.import_id) or {"state": "running", "processed": 0, "total": None}
    return {"import_id": request.import_id, **progress}


@app.get("/imports/{import_id}")
def import_progress(import_id: str) -> dict:
    progress = latest_progress(import_id)
    if progress is None:
        raise HTTPException(404, "no such import")
    return {"import_id": import_id, **progress}
