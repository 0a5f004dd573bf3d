"""Meeting notes: summarizes a meeting transcript section by section.

Each summary is an async DBOS workflow (id ``notes-<meeting_id>``) that summarizes the sections one by one
(each an async step around the vendor's asyncio client) and writes each section's note to the workflow's
``notes`` stream, then closes it. Everything runs on the event loop, so every DBOS call is its ``_async``
form (the sync forms raise RuntimeError while a loop is running). Clients read the
stream from the start, live or after the fact; a restart resumes the workflow after its last finished
section, and the notes already written stay in the stream.

Run with: uvicorn meeting_notes:app
"""

import json
import os
from contextlib import asynccontextmanager
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

import llm

NOTES_STREAM = "notes"


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
async def load_sections(transcript: str) -> list[str]:
    return sections_of(transcript)


@DBOS.step()
async def summarize_section(section: str) -> str:
    return await llm.summarize(section)


@DBOS.workflow()
async def summarize_meeting(transcript: str) -> int:
    sections = await load_sections(transcript)
    for number, section in enumerate(sections):
        note = {"section": number, "summary": await summarize_section(section)}
        await DBOS.write_stream_async(NOTES_STREAM, note)
    await DBOS.close_stream_async(NOTES_STREAM)
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
async def start_summary(request: SummaryRequest) -> dict:
    with SetWorkflowID(workflow_id(request.meeting_id)):
        await DBOS.start_workflow_async(summarize_meeting, request.transcript)
    return {"meeting_id": request.meeting_id}


@app.get("/summaries/{meeting_id}/stream")
async def stream_notes(meeting_id: str) -> StreamingResponse:
    if await DBOS.get_workflow_status_async(workflow_id(meeting_id)) is None:
        raise HTTPException(404, "no such meeting")

    async def lines():
        async for note in DBOS.read_stream_async(workflow_id(meeting_id), NOTES_STREAM):
            yield json.dumps(note) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")
