"""Media service API (served with `uvicorn media_api:app`).

The upload pipeline asks for renditions of a video (`POST /videos/{video_id}/renditions`) and polls
`GET /jobs/{job_id}` until the rendition is done.

Each job is a DBOS workflow enqueued on the `transcode` queue (at most 2 running per instance); the job id
is the workflow id, so any process can look a job up in Postgres, and a job that was waiting or running when
the service died is recovered when it comes back. A retried POST is deduplicated by video and profile while
the job is waiting or running ("return-existing" hands back the job already holding the key); after it
finished the key is free again, so asking again starts a new job.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetEnqueueOptions
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

import transcoder

TRANSCODE_QUEUE = "transcode"
STATUSES = {"ENQUEUED": "queued", "DELAYED": "queued", "PENDING": "running", "SUCCESS": "done"}


@DBOS.step()
def transcode_step(video_id: str, profile: str) -> str:
    return transcoder.transcode(video_id, profile)


@DBOS.workflow()
def rendition_job(video_id: str, profile: str) -> str:
    return transcode_step(video_id, profile)


@asynccontextmanager
async def lifespan(_app: FastAPI):
    config: DBOSConfig = {
        "name": "media",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "media-1",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(TRANSCODE_QUEUE, worker_concurrency=2)
    yield
    DBOS.destroy()


app = FastAPI(title="media", lifespan=lifespan)


class RenditionRequest(BaseModel):
    profile: str


@app.post("/videos/{video_id}/renditions", status_code=202)
def request_rendition(video_id: str, body: RenditionRequest) -> dict:
    with SetEnqueueOptions(deduplication_id=f"{video_id}/{body.profile}", duplication_policy="return-existing"):
        handle = DBOS.enqueue_workflow(TRANSCODE_QUEUE, rendition_job, video_id, body.profile)
    return {"job_id": handle.workflow_id}


@app.get("/jobs/{job_id}")
def get_job(job_id: str) -> dict:
    status = DBOS.get_workflow_status(job_id)
    if status is None:
        raise HTTPException(status_code=404, detail="unknown job")
    state = STATUSES.get(status.status, "failed")
    output = DBOS.retrieve_workflow(job_id).get_result() if state == "done" else None
    return {"job_id": job_id, "status": state, "output": output}
