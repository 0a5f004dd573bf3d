"""Meeting notes: summarizes a meeting transcript section by section.

Each summary is a DBOS workflow (id ``notes-<meeting_id>``) that summarizes the sections one by one (each
a step) and publishes each section's note as the ``latest_note`` event, which the stream endpoint polls. A restart
resumes the workflow after its last finished section.

Run with: uvicorn meeting_notes:app
"""

import json
import os
import time
from contextlib import asynccontextmanager
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

import llm

LATEST_NOTE = "latest_note"
SECTION_COUNT = "section_count"


class SummaryRequest(BaseModel):
    meeting_id: str
    transcript: str  # path of the transcript file, e.g. transcripts/2024-06-12-weekly.md


def sections_of(transcript: str) -> list[str]:
    """A transcript is markdown; every `## ` heading starts a section."""
    text = Path(transcript).read_text()
    return ["## " + part.strip() for part in text.split("## ") if part.strip()]


def workflow_id(meeting_id: str) -> str:
    return f"notes-{meeting_id}"


@DBOS.step()
def load_sections(transcript: str) -> list[str]:
    return sections_of(transcript)


@DBOS.step()
def summarize_section(section: str) -> str:
    return llm.summarize(section)


@DBOS.workflow()
def summarize_meeting(transcript: str) -> int:
    sections = load_sections(transcript)
    DBOS.set_event(SECTION_COUNT, len(sections))
    for number, section in enumerate(sections):
        DBOS.set_event(LATEST_NOTE, {"section": number, "summary": summarize_section(section)})
    return len(sections)


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "meeting-notes",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.06",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="meeting-notes", lifespan=lifespan)


@app.post("/summaries", status_code=202)
def start_summary(request: SummaryRequest) -> dict:
    with SetWorkflowID(workflow_id(request.meeting_id)):
        DBOS.start_workflow(summarize_meeting, request.transcript)
    return {"meeting_id": request.meeting_id}


@app.get("/summaries/{meeting_id}/stream")
def stream_notes(meeting_id: str) -> StreamingResponse:
    if DBOS.get_workflow_status(workflow_id(meeting_id)) is None:
        raise HTTPException(404, "no such meeting")

    def lines():
        count = DBOS.get_event(workflow_id(meeting_id), SECTION_COUNT, timeout_seconds=30)
        last_sent = -1
        while last_sent < count - 1:
            note = DBOS.get_event(workflow_id(meeting_id), LATEST_NOTE, timeout_seconds=0)
            if note is not None and note["section"] > last_sent:
                yield json.dumps(note) + "\n"
                last_sent = note["section"]
            time.sleep(0.05)

    return StreamingResponse(lines(), media_type="application/x-ndjson")
