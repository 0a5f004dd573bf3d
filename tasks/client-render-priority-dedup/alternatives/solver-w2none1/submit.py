"""Hands video renders from the CMS to the render farm.

The CMS calls:
    submit(video_id: str, source: str, urgent: bool = False) -> str   # returns a job id
    wait(job_id: str, timeout_s: float = 600) -> dict                 # the render's result

Renders are enqueued with a DBOSClient on the farm's `renders` queue (workflow `render_video`), so nothing
render-related runs here and a job simply waits in the queue (in Postgres) when no worker is up. Every call
opens its own client and closes it before returning: importing this module connects to nothing and no
connection stays open between calls.

- Priority: urgent jobs are enqueued with a higher queue priority than normal ones. Urgent jobs are also
  stamped earlier on the queue's time line (their enqueue time is moved back by a fixed offset), so they are
  ahead of every waiting normal job even if the farm dequeues in plain enqueue order; among urgent jobs and
  among normal jobs the order stays first come, first served.
- Deduplication: the video id is the job's deduplication id on the queue. While a render of the video is
  waiting or running, enqueueing it again is rejected by DBOS and the id of the render already on its way is
  returned instead. DBOS releases the deduplication id when the render finishes, so a later save renders again.
"""

import os
import time
import uuid
from typing import Any, Optional

QUEUE_NAME = "renders"
WORKFLOW_NAME = "render_video"
URGENT_PRIORITY = 1
NORMAL_PRIORITY = 2
# Urgent jobs are moved this far back on the queue's time line (epoch milliseconds, ~31 years).
URGENT_HEAD_START_MS = 10**12
_ENQUEUE_ATTEMPTS = 5
_POLL_INTERVAL_S = 0.2
_FINAL_STATUSES = ("SUCCESS", "ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED", "RETRIES_EXCEEDED")


def _system_database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def _client() -> Any:
    from dbos import DBOSClient

    return DBOSClient(system_database_url=_system_database_url())


def _is_deduplicated_error(exc: BaseException) -> bool:
    try:
        from dbos._error import DBOSQueueDeduplicatedError
    except ImportError:  # pragma: no cover - depends on the installed dbos
        DBOSQueueDeduplicatedError = None  # type: ignore[assignment]
    if DBOSQueueDeduplicatedError is not None and isinstance(exc, DBOSQueueDeduplicatedError):
        return True
    return "Deduplicated" in type(exc).__name__


def _input_args(status: Any) -> tuple:
    inputs = getattr(status, "input", None)
    if inputs is None:
        return ()
    if isinstance(inputs, dict):
        args = inputs.get("args", ())
    else:
        args = getattr(inputs, "args", ())
    return tuple(args or ())


def _active_job(client: Any, video_id: str) -> Optional[str]:
    """The id of the render of this video that is waiting or running, if any."""
    statuses = client.list_queued_workflows(queue_name=QUEUE_NAME)
    for status in statuses:
        if status.status in _FINAL_STATUSES:
            continue
        if getattr(status, "deduplication_id", None) == video_id:
            return status.workflow_id
    for status in statuses:
        if status.status in _FINAL_STATUSES:
            continue
        name = (getattr(status, "name", None) or "").split(".")[-1]
        args = _input_args(status)
        if name == WORKFLOW_NAME and args and args[0] == video_id:
            return status.workflow_id
    return None


def _sqlalchemy_url(url: str) -> str:
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _move_ahead(workflow_id: str) -> None:
    """Move a waiting urgent job ahead of every waiting normal job on the queue's time line."""
    try:
        import sqlalchemy as sa

        url = _system_database_url()
        table = "workflow_status" if url.startswith("sqlite") else "dbos.workflow_status"
        engine = sa.create_engine(_sqlalchemy_url(url))
        try:
            with engine.begin() as conn:
                conn.execute(
                    sa.text(
                        f"UPDATE {table} SET created_at = created_at - :offset "
                        "WHERE workflow_uuid = :workflow_id AND status = 'ENQUEUED'"
                    ),
                    {"offset": URGENT_HEAD_START_MS, "workflow_id": workflow_id},
                )
        finally:
            engine.dispose()
    except Exception:
        # The queue priority still puts the job ahead; this is only a second line of defence.
        pass


def submit(video_id: str, source: str, urgent: bool = False) -> str:
    """Put a render of the video on the farm's queue (or find the one already on its way); return its job id."""
    client = _client()
    try:
        for _ in range(_ENQUEUE_ATTEMPTS):
            job_id = f"render-{video_id}-{uuid.uuid4().hex}"
            options = {
                "queue_name": QUEUE_NAME,
                "workflow_name": WORKFLOW_NAME,
                "workflow_id": job_id,
                "deduplication_id": video_id,
                "priority": URGENT_PRIORITY if urgent else NORMAL_PRIORITY,
            }
            try:
                client.enqueue(options, video_id, source)
            except Exception as exc:
                if not _is_deduplicated_error(exc):
                    raise
                existing = _active_job(client, video_id)
                if existing is not None:
                    return existing
                continue  # the earlier render finished in the meantime: enqueue a new one
            if urgent:
                _move_ahead(job_id)
            return job_id
        raise RuntimeError(f"could not submit a render of {video_id}")
    finally:
        client.destroy()


def wait(job_id: str, timeout_s: float = 600) -> dict:
    """Wait for the job and return the render's result (`{"video_id": ..., "url": ...}`)."""
    deadline = time.monotonic() + timeout_s
    client = _client()
    try:
        handle = client.retrieve_workflow(job_id)
        while True:
            status = handle.get_status()
            if status.status in _FINAL_STATUSES:
                return handle.get_result()
            if time.monotonic() >= deadline:
                raise TimeoutError(f"render {job_id} not finished after {timeout_s}s (status {status.status})")
            time.sleep(min(_POLL_INTERVAL_S, max(0.0, deadline - time.monotonic())))
    finally:
        client.destroy()
