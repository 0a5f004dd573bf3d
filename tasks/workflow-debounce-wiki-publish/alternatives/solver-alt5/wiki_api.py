"""Wiki editing API (served with `uvicorn wiki_api:app`).

The editor autosaves every couple of seconds while someone types: each autosave is a
`POST /pages/{page_id}/edits` with the page's new revision number and full text.

Each edit is stored as a draft right away, but the page is published only once its edits have settled:
publishing is debounced per page with a durable DBOS `Debouncer`. The page is published when no edit
for it arrived for `PUBLISH_QUIET_S` seconds (default 10), and at the latest `PUBLISH_MAX_WAIT_S`
seconds (default 120) after the first unpublished edit. The pending publish lives in the DBOS system
database (`DBOS_SYSTEM_DATABASE_URL`), so a restart in the middle of a burst neither loses nor doubles it.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, Debouncer

import drafts
import search_publisher


def publish_quiet_s() -> float:
    return float(os.environ.get("PUBLISH_QUIET_S", "10"))


def publish_max_wait_s() -> float:
    return float(os.environ.get("PUBLISH_MAX_WAIT_S", "120"))


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "wiki",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Pinned so a restarted/redeployed pod picks up the publishes pending in the old one.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="wiki", lifespan=lifespan)


class Edit(BaseModel):
    revision: int
    text: str


@DBOS.step()
def newest_revision(page_id: str, revision: int, text: str) -> dict[str, Any]:
    """The revision to publish: the debounced (latest) edit, unless the draft store has a newer one."""
    draft = drafts.latest(page_id)
    if draft is not None and draft["revision"] > revision:
        return {"revision": draft["revision"], "text": draft["text"]}
    return {"revision": revision, "text": text}


@DBOS.step()
def publish_step(page_id: str, revision: int, text: str) -> None:
    search_publisher.publish(page_id, revision, text)


@DBOS.workflow()
def publish_page(page_id: str, revision: int, text: str) -> int:
    newest = newest_revision(page_id, revision, text)
    publish_step(page_id, newest["revision"], newest["text"])
    return int(newest["revision"])


def _publish_debouncer() -> Debouncer:
    # Never delays a publish more than PUBLISH_MAX_WAIT_S after the first pending edit of a page.
    return Debouncer.create(publish_page, debounce_timeout_sec=publish_max_wait_s())


@app.post("/pages/{page_id}/edits", status_code=202)
def save_edit(page_id: str, edit: Edit) -> dict:
    drafts.save(page_id, edit.revision, edit.text)
    # One pending publish per page: each edit pushes it back by PUBLISH_QUIET_S and replaces its arguments
    # with the newest revision and text.
    _publish_debouncer().debounce(page_id, publish_quiet_s(), page_id, edit.revision, edit.text)
    return {"page_id": page_id, "revision": edit.revision}


@app.get("/pages/{page_id}")
def get_page(page_id: str) -> dict:
    draft = drafts.latest(page_id)
    return {"page_id": page_id, "revision": draft["revision"] if draft else None}
