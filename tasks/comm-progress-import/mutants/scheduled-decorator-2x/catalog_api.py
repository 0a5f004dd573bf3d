"""Catalog service: imports supplier product feeds into our storefront.

Each import is a DBOS workflow (id ``import-<import_id>``): it loads the feed, sends it in batches (each a
step, with a durable pause between batches for the storefront's rate limit) and publishes its progress as
the ``progress`` event after every batch. A restart resumes the import after its last finished batch, and
the progress event, stored in Postgres, is there right away.

The nightly re-import is a DBOS schedule (applied at every start: idempotent, and one row shared by every
pod, so each night runs once). Its workflow imports each feed in turn, as a child workflow with the import
id ``nightly-<date>-<name>``; the date is the tick's own, not the clock's, so it is the same on replay.

Run with: uvicorn catalog_api:app
"""

import json
import os
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import storefront

BATCH_SIZE = 25
PAUSE_BETWEEN_BATCHES_S = 0.25
PROGRESS_EVENT = "progress"
NIGHTLY_CRON = "30 2 * * *"  # 02:30 UTC


class ImportRequest(BaseModel):
    import_id: str
    feed: str  # path of the feed file, e.g. feeds/acme-2024-07.json


def workflow_id(import_id: str) -> str:
    return f"import-{import_id}"


@DBOS.step()
def load_feed(feed: str) -> list[dict]:
    return json.loads(Path(feed).read_text())["products"]


@DBOS.step()
def send_batch(products: list[dict]) -> int:
    return storefront.upsert_products(products)


@DBOS.workflow()
def import_feed(feed: str) -> dict:
    products = load_feed(feed)
    total, processed = len(products), 0
    DBOS.set_event(PROGRESS_EVENT, {"state": "running", "processed": 0, "total": total})
    for start in range(0, total, BATCH_SIZE):
        if start:
            DBOS.sleep(PAUSE_BETWEEN_BATCHES_S)
        processed += send_batch(products[start:start + BATCH_SIZE])
        DBOS.set_event(PROGRESS_EVENT, {"state": "running", "processed": processed, "total": total})
    final = {"state": "done", "processed": processed, "total": total}
    DBOS.set_event(PROGRESS_EVENT, final)
    return final


@DBOS.step()
def list_feeds() -> list[str]:
    return sorted(str(path) for path in Path("feeds").glob("*.json"))


@DBOS.scheduled(NIGHTLY_CRON)
@DBOS.workflow()
def nightly_reimport(scheduled_time: datetime, actual_time: datetime) -> list[str]:
    night = scheduled_time.astimezone(UTC).date().isoformat()
    imported = []
    for feed in list_feeds():  # one feed after the other: the storefront's rate limit is for all calls
        import_id = f"nightly-{night}-{Path(feed).stem}"
        with SetWorkflowID(workflow_id(import_id)):
            import_feed(feed)
        imported.append(import_id)
    return imported


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "catalog",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.07",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="catalog", lifespan=lifespan)


def progress_of(import_id: str) -> dict:
    if DBOS.get_workflow_status(workflow_id(import_id)) is None:
        raise HTTPException(404, "no such import")
    progress = DBOS.get_event(workflow_id(import_id), PROGRESS_EVENT, timeout_seconds=0)
    return {"import_id": import_id, **(progress or {"state": "running", "processed": 0, "total": None})}


@app.post("/imports", status_code=202)
def start_import(request: ImportRequest) -> dict:
    with SetWorkflowID(workflow_id(request.import_id)):
        DBOS.start_workflow(import_feed, request.feed)
    return progress_of(request.import_id)


@app.get("/imports/{import_id}")
def import_progress(import_id: str) -> dict:
    return progress_of(import_id)
