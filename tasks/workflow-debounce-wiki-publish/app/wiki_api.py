"""Wiki editing API (served with `uvicorn wiki_api:app`).

The editor autosaves every couple of seconds while someone types: each autosave is a
`POST /pages/{page_id}/edits` with the page's new revision number and full text.
"""

from fastapi import FastAPI
from pydantic import BaseModel

import drafts
import search_publisher

app = FastAPI(title="wiki")


class Edit(BaseModel):
    revision: int
    text: str


@app.post("/pages/{page_id}/edits", status_code=202)
def save_edit(page_id: str, edit: Edit) -> dict:
    drafts.save(page_id, edit.revision, edit.text)
    search_publisher.publish(page_id, edit.revision, edit.text)
    return {"page_id": page_id, "revision": edit.revision}


@app.get("/pages/{page_id}")
def get_page(page_id: str) -> dict:
    draft = drafts.latest(page_id)
    return {"page_id": page_id, "revision": draft["revision"] if draft else None}
