"""Meeting notes: summarizes a meeting transcript section by section.

Run with: uvicorn meeting_notes:app  (requires DBOS_SYSTEM_DATABASE_URL, the Postgres system database)

The summary of a meeting is a durable DBOS workflow (ID `summary-<meeting_id>`) that runs on its own:
each section is summarized exactly once (a checkpointed step) and its summary is appended to the
workflow's durable stream, which clients follow with `GET /summaries/{meeting_id}/stream`.
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID, error

import llm

SUMMARY_STREAM = "summaries"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "meeting-notes",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # also recovers summaries interrupted by a restart
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="meeting-notes", lifespan=lifespan)


class SummaryRequest(BaseModel):
    meeting_id: str
    transcript: str  # path of the transcript file, e.g. transcripts/2024-06-12-weekly.md


def sections_of(transcript: str) -> list[str]:
    """A transcript is markdown; every `## ` heading starts a section."""
    text = Path(transcript).read_text()
    return ["## " + part.strip() for part in text.split("## ") if part.strip()]


def summary_workflow_id(meeting_id: str) -> str:
    return f"summary-{meeting_id}"


@DBOS.step()
async def load_sections(transcript: str) -> list[str]:
    return sections_of(transcript)


@DBOS.step()
async def summarize_section(section: str) -> str:
    # Slow and billed per call: the checkpointed result is replayed on recovery, never re-paid.
    return await llm.summarize(section)


@DBOS.workflow()
async def summarize_transcript(transcript: str) -> int:
    sections = await load_sections(transcript)
    for number, section in enumerate(sections):
        summary = await summarize_section(section)
        await DBOS.write_stream_async(SUMMARY_STREAM, {"section": number, "summary": summary})
    await DBOS.close_stream_async(SUMMARY_STREAM)
    return len(sections)


@app.post("/summaries", status_code=202)
async def summarize_meeting(request: SummaryRequest) -> dict[str, str]:
    # The workflow ID is derived from the meeting: posting the same meeting again attaches to the
    # existing summary instead of summarizing it again.
    with SetWorkflowID(summary_workflow_id(request.meeting_id)):
        handle = await DBOS.start_workflow_async(summarize_transcript, request.transcript)
    return {"meeting_id": request.meeting_id, "workflow_id": handle.get_workflow_id()}


@app.get("/summaries/{meeting_id}/stream")
async def stream_summary(meeting_id: str) -> StreamingResponse:
    workflow_id = summary_workflow_id(meeting_id)
    try:
        await DBOS.retrieve_workflow_async(workflow_id)
    except error.DBOSNonExistentWorkflowError:
        raise HTTPException(status_code=404, detail=f"unknown meeting {meeting_id}")

    async def notes() -> AsyncIterator[str]:
        # Reads the durable stream from the first section; yields each value as soon as it is written
        # and stops when the stream is closed (or the workflow ends).
        async for line in DBOS.read_stream_async(workflow_id, SUMMARY_STREAM):
            yield json.dumps(line) + "\n"

    return StreamingResponse(notes(), media_type="application/x-ndjson")
