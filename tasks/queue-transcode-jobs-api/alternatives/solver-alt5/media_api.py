"""Media service API (served with `uvicorn media_api:app`).

The upload pipeline asks for renditions of a video (`POST /videos/{video_id}/renditions`) and polls
`GET /jobs/{job_id}` until the rendition is done.

Jobs are durable DBOS workflows on the `transcode` queue, so they survive restarts: a job that was
waiting or running when the process died is finished by the next process, and its job id (the
workflow id) keeps answering from the system database. The Postgres connection string is read from
`DBOS_SYSTEM_DATABASE_URL` when the app starts (never at import).
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetEnqueueOptions

import transcoder

TRANSCODE_QUEUE = "transcode"
# The box has two GPUs: at most two transcodes at once per instance.
TRANSCODES_PER_INSTANCE = 2

# Maps DBOS workflow statuses onto the job statuses of the API.
_STATUS_MAP = {
    "ENQUEUED": "queued",
    "DELAYED": "queued",
    "PENDING": "running",
    "SUCCESS": "done",
    "ERROR": "failed",
    "CANCELLED": "failed",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": "failed",
}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "media",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Pinned so that a restarted/redeployed process recovers the jobs of the previous one.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async(TRANSCODE_QUEUE, worker_concurrency=TRANSCODES_PER_INSTANCE)
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="media", lifespan=lifespan)


class RenditionRequest(BaseModel):
    profile: str


@DBOS.step()
def transcode_step(video_id: str, profile: str) -> str:
    return transcoder.transcode(video_id, profile)


@DBOS.workflow()
def render_rendition(video_id: str, profile: str) -> str:
    return transcode_step(video_id, profile)


@app.post("/videos/{video_id}/renditions", status_code=202)
def request_rendition(video_id: str, body: RenditionRequest) -> dict:
    # While a job for this video and profile is queued or running, a retried POST joins it
    # (same job_id); once it has finished, the key is free again and a new job starts.
    with SetEnqueueOptions(
        deduplication_id=f"rendition:{video_id}:{body.profile}",
        duplication_policy="return-existing",
    ):
        handle = DBOS.enqueue_workflow(TRANSCODE_QUEUE, render_rendition, video_id, body.profile)
    return {"job_id": handle.get_workflow_id()}


@app.get("/jobs/{job_id}")
def get_job(job_id: str) -> dict:
    status = DBOS.get_workflow_status(job_id)
    if status is None:
        raise HTTPException(status_code=404, detail="unknown job")
    job_status = _STATUS_MAP.get(status.status, "queued")
    output: Optional[str] = status.output if job_status == "done" else None
    return {"job_id": job_id, "status": job_status, "output": output}
