"""The report rendering service.

systemd runs it as ``python report_service.py``. Other systems drop report requests into the inbox
directory (``REPORTS_INBOX``, default ``inbox/``) as JSON files ``{"report_id", "pages", "urgent"}``:
urgent ones are reports a customer is waiting for on screen, the rest are nightly bulk reports.

Jobs are durable DBOS workflows (system database in ``DBOS_SYSTEM_DATABASE_URL``) on the ``render`` queue,
which runs one job at a time (the renderer takes one job at a time) and hands out urgent jobs before bulk
ones. Each request is enqueued under the ID ``report-<report_id>``, so re-reading the inbox after a restart
never renders a finished report again. A job the renderer refuses is re-enqueued with a delay of
``retry_after_s`` seconds: it frees the renderer for the other jobs meanwhile, and the delayed retry is
stored in the database, so it still happens (at its time) after a restart.
"""

import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Optional

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, SetWorkflowID

import renderer

INBOX = Path(os.environ.get("REPORTS_INBOX", "inbox"))
SCAN_S = 0.2
QUEUE = "render"
URGENT_PRIORITY = 1  # lower runs first
BULK_PRIORITY = 100
log = logging.getLogger("report_service")


def job_priority(request: dict) -> int:
    return URGENT_PRIORITY if request.get("urgent") else BULK_PRIORITY


@DBOS.step()
def render_report_step(report_id: str, pages: int) -> dict:
    """Renders the report: {"url": ...}, or {"retry_after_s": ...} when the renderer refuses the job."""
    try:
        return {"url": renderer.render(report_id, pages)}
    except renderer.RendererBusy as busy:
        return {"retry_after_s": float(busy.retry_after_s)}


@DBOS.workflow()
def render_report(request: dict) -> Optional[str]:
    outcome = render_report_step(request["report_id"], request["pages"])
    if "url" in outcome:
        DBOS.logger.info(f"rendered {request['report_id']}: {outcome['url']}")
        return outcome["url"]
    # Refused: try again retry_after_s later as a new (durable, delayed) job, and end this one now so the
    # renderer goes on with the other jobs in the meantime.
    with SetEnqueueOptions(priority=job_priority(request), delay_seconds=outcome["retry_after_s"]):
        DBOS.enqueue_workflow(QUEUE, render_report, request)
    DBOS.logger.info(f"renderer busy for {request['report_id']}: retry in {outcome['retry_after_s']}s")
    return None


def report_workflow_id(report_id: str) -> str:
    return f"report-{report_id}"


def enqueue_new_requests(seen: set[str]) -> None:
    """Enqueue the inbox files not enqueued yet by this process (the workflow ID makes it once ever)."""
    for path in sorted(INBOX.glob("*.json")):
        if path.name in seen:
            continue
        try:
            request = json.loads(path.read_text())
            report_id = str(request["report_id"])
        except (OSError, ValueError, KeyError, TypeError):
            continue  # still being written (or gone): look again on the next scan
        try:
            with SetWorkflowID(report_workflow_id(report_id)):
                with SetEnqueueOptions(priority=job_priority(request)):
                    DBOS.enqueue_workflow(QUEUE, render_report, request)
        except Exception:
            log.exception("could not enqueue %s; will retry", path.name)
            continue
        seen.add(path.name)


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the Postgres system database")
    return url


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "report-service",
        "system_database_url": system_database_url(),
        # Pinned: after a deploy the new process picks up the jobs and retries queued by the old one.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    # One render at a time, across every process of the service (e.g. old and new during a deploy).
    DBOS.register_queue(QUEUE, worker_concurrency=1, global_concurrency=1)
    INBOX.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    try:
        while True:
            enqueue_new_requests(seen)
            time.sleep(SCAN_S)
    except KeyboardInterrupt:
        pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
