"""Hands video renders from the CMS to the render farm.

The CMS calls:
    submit(video_id: str, source: str, urgent: bool = False) -> str   # returns a job id
    wait(job_id: str, timeout_s: float = 600) -> dict                 # the render's result

Renders are enqueued with a DBOSClient on the farm's `renders` queue (the farm's worker runs
`render_video(video_id, source)`); the job id is the render workflow's id. Nothing connects at import:
each call opens a client on DBOS_SYSTEM_DATABASE_URL and destroys it before returning.

- Urgent (breaking news) renders get priority 1, normal ones priority 2: the queue dequeues every
  waiting urgent render before any waiting normal one, and first come first served within a priority.
- One active render per video: the enqueue is deduplicated on the video id while its render is
  waiting or running, and a repeated save gets the job id of that render. Once it has finished, the
  key is free again and a new save renders the video again.
"""

import os
import time
from typing import Any

from dbos import DBOSClient, EnqueueOptions

RENDER_QUEUE = "renders"
RENDER_WORKFLOW = "render_video"
URGENT_PRIORITY = 1
NORMAL_PRIORITY = 2
_POLL_INTERVAL_S = 0.5
_FINISHED = {"SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"}


def _client() -> DBOSClient:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        raise RuntimeError("DBOS_SYSTEM_DATABASE_URL is not set: point it at the render farm's system database")
    return DBOSClient(system_database_url=url)


def submit(video_id: str, source: str, urgent: bool = False) -> str:
    """Queue a render of `video_id` and return its job id at once (never waits for the render).

    If a render of this video is still waiting or running, returns that render's job id instead.
    """
    options: EnqueueOptions = {
        "workflow_name": RENDER_WORKFLOW,
        "queue_name": RENDER_QUEUE,
        "priority": URGENT_PRIORITY if urgent else NORMAL_PRIORITY,
        "deduplication_id": f"render-{video_id}",
        "duplication_policy": "return-existing",
    }
    client = _client()
    try:
        handle = client.enqueue(options, video_id, source)
        return handle.get_workflow_id()
    finally:
        client.destroy()


def wait(job_id: str, timeout_s: float = 600) -> dict:
    """Wait for the render `job_id` and return its result dict (`{"video_id": ..., "url": ...}`).

    Raises TimeoutError if it has not finished within `timeout_s` seconds, KeyError for an unknown job
    id, and the render's own exception if it failed.
    """
    deadline = time.monotonic() + timeout_s
    client = _client()
    try:
        while True:
            rows = client.list_workflows(workflow_ids=[job_id], load_input=False, load_output=False)
            if not rows:
                raise KeyError(f"unknown render job: {job_id}")
            status = rows[0].status
            if status in _FINISHED:
                if status == "MAX_RECOVERY_ATTEMPTS_EXCEEDED":
                    raise RuntimeError(f"render job {job_id} kept crashing the render worker and was given up")
                result: Any = client.retrieve_workflow(job_id).get_result()  # raises if it failed/was cancelled
                return result
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"render job {job_id} not finished after {timeout_s} s (status {status})")
            time.sleep(min(_POLL_INTERVAL_S, remaining))
    finally:
        client.destroy()
