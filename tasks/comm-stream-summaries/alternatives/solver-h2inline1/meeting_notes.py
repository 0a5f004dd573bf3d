"""Meeting notes: summarizes a meeting transcript section by section.

The summary runs as a durable DBOS workflow, independent of any HTTP request: it survives closed tabs and
service restarts, and every section is summarized by the model exactly once. Each section's summary is
appended to a durable DBOS stream that clients can follow (and re-read from the start) at any time.

Run with: uvicorn meeting_notes:app   (requires DBOS_SYSTEM_DATABASE_URL, a Postgres URL)

    POST /summaries                      {"meeting_id": ..., "transcript": "transcripts/....md"}  -> 202
    GET  /summaries/{meeting_id}/stream  NDJSON, one {"section": n, "summary": "..."} line per section
"""

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID

import llm

SUMMARY_STREAM = "summaries"
STREAM_POLL_INTERVAL_S = 0.1


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        raise RuntimeError("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "meeting-notes",
        "system_database_url": system_database_url(),
        # Pinned so that a restarted (or redeployed) service recovers the summaries that were in flight.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # also resumes any summary interrupted by a crash or restart
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
    return f"meeting-summary-{meeting_id}"


@DBOS.step()
async def load_sections(transcript: str) -> list[str]:
    # File I/O: recorded once, so a resumed summary works on exactly the same sections.
    return sections_of(transcript)


@DBOS.step(retries_allowed=True, max_attempts=3, interval_seconds=2.0, backoff_rate=2.0)
async def summarize_section(section: str) -> str:
    # The paid model call: once checkpointed, it is never made again for this section.
    return await llm.summarize(section)


@DBOS.workflow()
async def summarize_transcript(meeting_id: str, transcript: str) -> int:
    sections = await load_sections(transcript)
    for number, section in enumerate(sections):
        summary = await summarize_section(section)
        # Written from the workflow, so the write is checkpointed: no duplicates after recovery.
        await DBOS.write_stream_async(SUMMARY_STREAM, {"section": number, "summary": summary})
    await DBOS.close_stream_async(SUMMARY_STREAM)
    return len(sections)


@app.post("/summaries", status_code=202)
async def start_summary(request: SummaryRequest) -> dict[str, Any]:
    workflow_id = summary_workflow_id(request.meeting_id)
    # One workflow per meeting: posting the same meeting_id again attaches to the existing summary.
    with SetWorkflowID(workflow_id):
        await DBOS.start_workflow_async(summarize_transcript, request.meeting_id, request.transcript)
    return {
        "meeting_id": request.meeting_id,
        "workflow_id": workflow_id,
        "stream": f"/summaries/{request.meeting_id}/stream",
    }


@app.get("/summaries/{meeting_id}/stream")
async def stream_summary(meeting_id: str) -> StreamingResponse:
    workflow_id = summary_workflow_id(meeting_id)
    status = await DBOS.get_workflow_status_async(workflow_id)
    if status is None:
        raise HTTPException(status_code=404, detail=f"unknown meeting {meeting_id!r}")

    async def notes() -> AsyncIterator[str]:
        # Always from the first section; ends when the stream is closed (or the workflow has ended).
        async for value in DBOS.read_stream_async(
            workflow_id, SUMMARY_STREAM, polling_interval_sec=STREAM_POLL_INTERVAL_S
        ):
            yield json.dumps(value) + "\n"

    return StreamingResponse(notes(), media_type="application/x-ndjson")
