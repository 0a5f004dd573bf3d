"""Meeting notes: summarizes a meeting transcript section by section.

Run with: uvicorn meeting_notes:app
"""

import json
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

import llm

app = FastAPI(title="meeting-notes")


class SummaryRequest(BaseModel):
    meeting_id: str
    transcript: str  # path of the transcript file, e.g. transcripts/2024-06-12-weekly.md


def sections_of(transcript: str) -> list[str]:
    """A transcript is markdown; every `## ` heading starts a section."""
    text = Path(transcript).read_text()
    return ["## " + part.strip() for part in text.split("## ") if part.strip()]


@app.post("/summaries")
async def summarize_meeting(request: SummaryRequest) -> StreamingResponse:
    # The browser keeps this request open for minutes while the sections come in; if the tab closes or the
    # pod restarts, everything is lost and we pay for all the sections again.
    async def notes():
        for number, section in enumerate(sections_of(request.transcript)):
            yield json.dumps({"section": number, "summary": await llm.summarize(section)}) + "\n"

    return StreamingResponse(notes(), media_type="application/x-ndjson")
