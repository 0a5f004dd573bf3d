"""Hands video renders from the CMS to the render farm.

The CMS calls:
    submit(video_id: str, source: str, urgent: bool = False) -> str   # returns a job id
    wait(job_id: str, timeout_s: float = 600) -> dict                 # the render's result

Jobs are enqueued with a DBOSClient on the farm's `renders` queue (workflow `render_video`), so submitting
works whether or not a worker is up. Nothing connects at import time; every call opens its own client and
closes it before returning.

- De-duplication: every job carries the deduplication id `render:<video_id>`. DBOS refuses a second job with
  the same deduplication id on the queue while the first one is still waiting or running (and forgets the id
  once it has finished), in which case `submit` returns the id of the job that is already on its way.
- Urgent jobs: the farm's queue hands out waiting jobs oldest first (by creation time), and the farm's worker
  does not enable queue priorities. So an urgent job is moved ahead of the backlog by back-dating its queue
  position by a fixed, very large amount: all urgent jobs sort before every waiting normal job, while urgent
  jobs among themselves (and normal jobs among themselves) keep their first-come-first-served order.
"""

import os
import time
import uuid

QUEUE_NAME = "renders"
WORKFLOW_NAME = "render_video"
SYSTEM_SCHEMA = "dbos"
# How far an urgent job is moved ahead in the queue: ten years, far more than any backlog can be old.
URGENT_HEAD_START_MS = 10 * 365 * 24 * 3600 * 1000
_POLL_INTERVAL_S = 0.25


def _system_database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


def _sqlalchemy_url() -> str:
    url = _system_database_url()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _client():
    from dbos import DBOSClient

    return DBOSClient(system_database_url=_system_database_url())


def _engine():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    return create_engine(_sqlalchemy_url(), poolclass=NullPool)


def _dedup_id(video_id: str) -> str:
    return f"render:{video_id}"


def _is_deduplicated_error(exc: Exception) -> bool:
    try:
        from dbos._error import DBOSQueueDeduplicatedError
    except ImportError:  # pragma: no cover - depends on the dbos version
        DBOSQueueDeduplicatedError = None
    if DBOSQueueDeduplicatedError is not None and isinstance(exc, DBOSQueueDeduplicatedError):
        return True
    text = f"{type(exc).__name__} {exc}".lower()
    return "dedup" in text


def _find_active_job(engine, video_id: str):
    from sqlalchemy import text

    with engine.connect() as conn:
        row = conn.execute(
            text(
                f"SELECT workflow_uuid FROM {SYSTEM_SCHEMA}.workflow_status "
                "WHERE queue_name = :queue AND deduplication_id = :dedup "
                "AND status IN ('ENQUEUED', 'PENDING') "
                "ORDER BY created_at LIMIT 1"
            ),
            {"queue": QUEUE_NAME, "dedup": _dedup_id(video_id)},
        ).first()
    return row[0] if row else None


def _make_urgent(engine, job_id: str) -> None:
    """Move a waiting job ahead of every waiting normal job (once), keeping its order among urgent jobs."""
    from sqlalchemy import text

    threshold = int(time.time() * 1000) - URGENT_HEAD_START_MS // 2
    with engine.begin() as conn:
        conn.execute(
            text(
                f"UPDATE {SYSTEM_SCHEMA}.workflow_status "
                "SET created_at = created_at - :head_start "
                "WHERE workflow_uuid = :job_id AND status = 'ENQUEUED' AND created_at > :threshold"
            ),
            {"head_start": URGENT_HEAD_START_MS, "job_id": job_id, "threshold": threshold},
        )


def submit(video_id: str, source: str, urgent: bool = False) -> str:
    """Put a render of the video on the farm's queue and return its job id (never waits for the render).

    While a render of the same video is still waiting or running, returns that render's job id instead."""
    client = _client()
    engine = _engine()
    try:
        for _ in range(20):
            job_id = f"render-{video_id}-{uuid.uuid4().hex}"
            options = {
                "queue_name": QUEUE_NAME,
                "workflow_name": WORKFLOW_NAME,
                "workflow_id": job_id,
                "deduplication_id": _dedup_id(video_id),
            }
            try:
                client.enqueue(options, video_id, source)
            except Exception as exc:
                if not _is_deduplicated_error(exc):
                    raise
                existing = _find_active_job(engine, video_id)
                if existing is None:
                    continue  # the other render finished in the meantime: submit a new one
                if urgent:
                    _make_urgent(engine, existing)
                return existing
            if urgent:
                _make_urgent(engine, job_id)
            return job_id
        raise RuntimeError(f"could not submit a render of {video_id}")
    finally:
        engine.dispose()
        client.destroy()


def wait(job_id: str, timeout_s: float = 600) -> dict:
    """Wait for the job and return the render's result dict."""
    deadline = time.monotonic() + timeout_s
    client = _client()
    try:
        while True:
            found = client.list_workflows(workflow_ids=[job_id])
            if not found:
                raise KeyError(f"unknown render job: {job_id}")
            status = found[0]
            if status.status == "SUCCESS":
                return status.output
            if status.status == "ERROR":
                error = status.error
                if isinstance(error, BaseException):
                    raise error
                raise RuntimeError(f"render {job_id} failed: {error}")
            if status.status == "CANCELLED":
                raise RuntimeError(f"render {job_id} was cancelled")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"render {job_id} not done after {timeout_s}s (status {status.status})")
            time.sleep(min(_POLL_INTERVAL_S, remaining))
    finally:
        client.destroy()
