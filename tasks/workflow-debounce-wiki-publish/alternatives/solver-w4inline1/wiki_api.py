"""Wiki editing API (served with `uvicorn wiki_api:app`).

The editor autosaves every couple of seconds while someone types: each autosave is a
`POST /pages/{page_id}/edits` with the page's new revision number and full text.

Each edit is stored as a draft right away; publishing is debounced per page with a durable DBOS
`Debouncer`: a page is published once no edit for it arrived for PUBLISH_QUIET_S seconds (default 10),
and at the latest PUBLISH_MAX_WAIT_S seconds (default 120) after the first unpublished edit. The pending
publish lives in the DBOS system database (DBOS_SYSTEM_DATABASE_URL), so restarts lose or double nothing.
"""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, Debouncer

import drafts
import search_publisher


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database")
    return url


def publish_quiet_s() -> float:
    return float(os.environ.get("PUBLISH_QUIET_S", "10"))


def publish_max_wait_s() -> float:
    return float(os.environ.get("PUBLISH_MAX_WAIT_S", "120"))


class Edit(BaseModel):
    revision: int
    text: str


@DBOS.step()
def load_latest_draft(page_id: str) -> Optional[dict]:
    return drafts.latest(page_id)


@DBOS.step()
def publish_revision(page_id: str, revision: int, text: str) -> None:
    search_publisher.publish(page_id, revision, text)


@DBOS.workflow()
def publish_page(page_id: str, revision: int, text: str) -> int:
    # The debouncer passes the newest call's arguments; the draft store is the source of truth for
    # the newest revision, so never publish anything older than it.
    draft = load_latest_draft(page_id)
    if draft is not None and draft["revision"] > revision:
        revision, text = draft["revision"], draft["text"]
    publish_revision(page_id, revision, text)
    return revision


class _Publishing:
    debouncer: Optional[Debouncer] = None


_publishing = _Publishing()


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "wiki",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    # At most one pending publish per page, never delayed more than PUBLISH_MAX_WAIT_S after the
    # first unpublished edit.
    _publishing.debouncer = Debouncer.create(publish_page, debounce_timeout_sec=publish_max_wait_s())
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="wiki", lifespan=lifespan)


@app.post("/pages/{page_id}/edits", status_code=202)
def save_edit(page_id: str, edit: Edit) -> dict:
    drafts.save(page_id, edit.revision, edit.text)
    debouncer = _publishing.debouncer
    if debouncer is None:
        raise RuntimeError("DBOS is not launched: serve the app with `uvicorn wiki_api:app`")
    # Each edit pushes the page's publish back by PUBLISH_QUIET_S and replaces its arguments.
    debouncer.debounce(page_id, publish_quiet_s(), page_id, edit.revision, edit.text)
    return {"page_id": page_id, "revision": edit.revision}


@app.get("/pages/{page_id}")
def get_page(page_id: str) -> dict:
    draft = drafts.latest(page_id)
    return {"page_id": page_id, "revision": draft["revision"] if draft else None}
