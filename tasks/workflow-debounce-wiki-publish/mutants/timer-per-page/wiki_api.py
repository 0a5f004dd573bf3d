"""Wiki editing API (served with `uvicorn wiki_api:app`).

The editor autosaves every couple of seconds while someone types: each autosave is a
`POST /pages/{page_id}/edits` with the page's new revision number and full text. Saving stores the draft at
once; publishing is debounced per page with a DBOS `Debouncer`: the pending publish is a durable DELAYED
workflow keyed by the page, each edit pushes its start back by PUBLISH_QUIET_S and replaces its arguments
with the newest revision, and PUBLISH_MAX_WAIT_S caps the delay. Because the pending workflow lives in
Postgres, a restart mid-burst neither loses nor doubles the publish.
"""

import os
from contextlib import asynccontextmanager

import threading

from dbos import DBOS, DBOSConfig
from fastapi import FastAPI
from pydantic import BaseModel

import drafts
import search_publisher

PUBLISH_QUIET_S = float(os.environ.get("PUBLISH_QUIET_S", "10"))
PUBLISH_MAX_WAIT_S = float(os.environ.get("PUBLISH_MAX_WAIT_S", "120"))


@DBOS.step()
def publish_step(page_id: str, revision: int, text: str) -> None:
    search_publisher.publish(page_id, revision, text)


@DBOS.workflow()
def publish_page(page_id: str, revision: int, text: str) -> None:
    publish_step(page_id, revision, text)


pending_timers: dict[str, threading.Timer] = {}
timers_lock = threading.Lock()


@asynccontextmanager
async def lifespan(_app: FastAPI):
    config: DBOSConfig = {
        "name": "wiki",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "wiki-1",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="wiki", lifespan=lifespan)


class Edit(BaseModel):
    revision: int
    text: str


@app.post("/pages/{page_id}/edits", status_code=202)
def save_edit(page_id: str, edit: Edit) -> dict:
    drafts.save(page_id, edit.revision, edit.text)
    with timers_lock:
        previous = pending_timers.pop(page_id, None)
        if previous is not None:
            previous.cancel()
        timer = threading.Timer(PUBLISH_QUIET_S, publish_page, args=(page_id, edit.revision, edit.text))
        timer.daemon = True
        pending_timers[page_id] = timer
        timer.start()
    return {"page_id": page_id, "revision": edit.revision}


@app.get("/pages/{page_id}")
def get_page(page_id: str) -> dict:
    draft = drafts.latest(page_id)
    return {"page_id": page_id, "revision": draft["revision"] if draft else None}
