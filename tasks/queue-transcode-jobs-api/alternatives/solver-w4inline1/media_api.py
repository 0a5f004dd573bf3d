"""Media service API (served with `uvicorn media_api:app`).

The upload pipeline asks for renditions of a video (`POST /videos/{video_id}/renditions`) and polls
`GET /jobs/{job_id}` until the rendition is done.

Jobs are durable DBOS workflows on the `transcode` queue (system database: DBOS_SYSTEM_DATABASE_URL):
a job id is the workflow id, jobs survive restarts, at most 2 transcodes run at once per instance, and a
rendition that is already waiting or running for the same video and profile is not requested twice.
"""

import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetEnqueueOptions

import transcoder

TRANSCODE_QUEUE = "transcode"

# DBOS workflow status -> job status
_STATUS_MAP = {
    "ENQUEUED": "queued",
    "DELAYED": "queued",
    "PENDING": "running",
    "SUCCESS": "done",
    "ERROR": "failed",
    "CANCELLED": "failed",
    "MAX_RECOVERY_ATTEMPTS_EXCEEDED": "failed",
}


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the DBOS system database")
    return url


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "media-service",
        "system_database_url": system_database_url(),
        "application_version": "1.0.0",
    }
    DBOS(config=config)
    DBOS.launch()
    # Two GPUs per box: at most 2 transcodes running at once in this process.
    await DBOS.register_queue_async(TRANSCODE_QUEUE, worker_concurrency=2)
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="media", lifespan=lifespan)


class RenditionRequest(BaseModel):
    profile: str


@DBOS.step()
def transcode(video_id: str, profile: str) -> str:
    return transcoder.transcode(video_id, profile)


@DBOS.workflow()
def render_rendition(video_id: str, profile: str) -> str:
    return transcode(video_id, profile)


@app.post("/videos/{video_id}/renditions", status_code=202)
def request_rendition(video_id: str, body: RenditionRequest) -> dict:
    # While a job for this video and profile is waiting or running, a retry joins it (same job id);
    # once it has finished, the key is free again and a new request starts a new job.
    with SetEnqueueOptions(
        deduplication_id=f"rendition:{video_id}:{body.profile}",
        duplication_policy="return-existing",
    ):
        handle = DBOS.enqueue_workflow(TRANSCODE_QUEUE, render_rendition, video_id, body.profile)
    return {"job_id": handle.get_workflow_id()}


@app.get("/jobs/{job_id}")
def get_job(job_id: str) -> dict:
    workflows = DBOS.list_workflows(workflow_ids=[job_id], load_input=False, load_output=True)
    if not workflows:
        raise HTTPException(status_code=404, detail="unknown job")
    wf = workflows[0]
    status = _STATUS_MAP.get(wf.status, "running")
    output: Optional[str] = wf.output if status == "done" else None
    return {"job_id": job_id, "status": status, "output": output}
