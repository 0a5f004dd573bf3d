"""Media service API (served with `uvicorn media_api:app`).

The upload pipeline asks for renditions of a video (`POST /videos/{video_id}/renditions`) and polls
`GET /jobs/{job_id}` until the rendition is done.
"""

import uuid

from fastapi import BackgroundTasks, FastAPI, HTTPException
from pydantic import BaseModel

import transcoder

app = FastAPI(title="media")

JOBS: dict[str, dict] = {}


class RenditionRequest(BaseModel):
    profile: str


def run_job(job_id: str, video_id: str, profile: str) -> None:
    JOBS[job_id]["status"] = "running"
    try:
        JOBS[job_id]["output"] = transcoder.transcode(video_id, profile)
        JOBS[job_id]["status"] = "done"
    except Exception:
        JOBS[job_id]["status"] = "failed"


@app.post("/videos/{video_id}/renditions", status_code=202)
def request_rendition(video_id: str, body: RenditionRequest, background: BackgroundTasks) -> dict:
    job_id = uuid.uuid4().hex
    JOBS[job_id] = {"job_id": job_id, "status": "queued", "output": None}
    background.add_task(run_job, job_id, video_id, body.profile)
    return {"job_id": job_id}


@app.get("/jobs/{job_id}")
def get_job(job_id: str) -> dict:
    if job_id not in JOBS:
        raise HTTPException(status_code=404, detail="unknown job")
    return JOBS[job_id]
