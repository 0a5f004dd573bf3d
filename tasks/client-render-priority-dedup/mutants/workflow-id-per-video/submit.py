"""Hands video renders from the CMS to the render farm.

The CMS has no render code, so it enqueues the farm's `render_video` workflow by name on the `renders`
queue with a DBOSClient (one per call, destroyed afterwards: the CMS is long-running).

- Priority: lower numbers run first, and a job enqueued without a priority counts as 0 (ahead of every
  prioritized one), so every job gets one: urgent 1, normal 10.
- Re-saves: the video id is the deduplication id; while its render is queued or running a second enqueue
  returns the existing job ("return-existing"), and once it finished the id is free again.
- Embargo: the job is enqueued at once with a start delay (`delay_seconds`): it is stored DELAYED in the
  farm's database and only becomes runnable when the embargo lifts, whatever happens to the CMS process
  meanwhile (a timer or a sleep in the CMS would be lost on its restart, and would block `submit`).
"""

import os
import time
from datetime import UTC, datetime

from dbos import DBOSClient, EnqueueOptions

URGENT, NORMAL = 1, 10


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def submit(video_id: str, source: str, urgent: bool = False, not_before: datetime | None = None) -> str:
    options: EnqueueOptions = {
        "workflow_name": "render_video",
        "queue_name": "renders",
        "priority": URGENT if urgent else NORMAL,
        "workflow_id": f"render-{video_id}",
    }
    if not_before is not None:
        delay = (not_before - datetime.now(UTC)).total_seconds()
        if delay > 0:
            options["delay_seconds"] = delay
    client = _client()
    try:
        return client.enqueue(options, video_id, source).get_workflow_id()
    finally:
        client.destroy()


def wait(job_id: str, timeout_s: float = 600) -> dict:
    client = _client()
    try:
        handle = client.retrieve_workflow(job_id)
        deadline = time.monotonic() + timeout_s
        while handle.get_status().status in ("DELAYED", "ENQUEUED", "PENDING"):
            if time.monotonic() > deadline:
                raise TimeoutError(f"render {job_id} not finished after {timeout_s}s")
            time.sleep(0.2)
        return handle.get_result()
    finally:
        client.destroy()
