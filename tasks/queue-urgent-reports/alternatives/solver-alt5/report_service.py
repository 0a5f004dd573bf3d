"""The report rendering service.

systemd runs it as ``python report_service.py``. Other systems drop report requests into the inbox
directory (``REPORTS_INBOX``, default ``inbox/``) as JSON files ``{"report_id", "pages", "urgent"}``:
urgent ones are reports a customer is waiting for on screen, the rest are nightly bulk reports.

Jobs are durable DBOS workflows (system database: ``DBOS_SYSTEM_DATABASE_URL``):

- each request is enqueued under the workflow ID ``report-<report_id>``, so re-reading the inbox after a
  restart never renders a finished report again, and interrupted jobs are recovered;
- the ``renders`` queue runs one job at a time (the renderer takes one job at a time);
- urgent jobs get a higher queue priority than bulk jobs, so they are the next job the renderer gets;
- when the renderer answers ``RendererBusy``, the job is re-enqueued with a durable delay of
  ``retry_after_s`` seconds and the renderer moves on to the other jobs meanwhile.
"""

import json
import logging
import os
import time
from pathlib import Path
from typing import Any, Optional

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, SetWorkflowID

import renderer

INBOX = Path(os.environ.get("REPORTS_INBOX", "inbox"))
SCAN_S = 0.2
RENDER_QUEUE = "renders"
URGENT_PRIORITY = 1  # lower number = dequeued first
BULK_PRIORITY = 10
log = logging.getLogger("report_service")


def _priority(urgent: bool) -> int:
    return URGENT_PRIORITY if urgent else BULK_PRIORITY


@DBOS.step()
def render_step(report_id: str, pages: int) -> dict[str, Any]:
    """One attempt at the renderer; a refusal is returned (not raised) with its retry delay."""
    try:
        url = renderer.render(report_id, pages)
    except renderer.RendererBusy as busy:
        return {"url": None, "retry_after_s": float(busy.retry_after_s)}
    return {"url": url, "retry_after_s": None}


@DBOS.workflow()
def render_report(report_id: str, pages: int, urgent: bool, attempt: int = 1) -> Optional[str]:
    result = render_step(report_id, pages)
    if result["url"] is not None:
        DBOS.logger.info(f"rendered {report_id}: {result['url']}")
        return result["url"]

    # Refused: try again later as a new, delayed job on the same queue. This job finishes now,
    # so the renderer keeps working through the other jobs while the retry waits (durably).
    retry_after_s = result["retry_after_s"]
    DBOS.logger.info(f"renderer busy for {report_id}, retrying in {retry_after_s}s")
    options: dict[str, Any] = {"priority": _priority(urgent)}
    if retry_after_s and retry_after_s > 0:
        options["delay_seconds"] = retry_after_s
    with SetWorkflowID(f"report-{report_id}-attempt-{attempt + 1}"):
        with SetEnqueueOptions(**options):
            DBOS.enqueue_workflow(RENDER_QUEUE, render_report, report_id, pages, urgent, attempt + 1)
    return None


def enqueue_request(request: dict[str, Any]) -> None:
    """Enqueue a request once: its workflow ID makes a second enqueue (e.g. after a restart) a no-op."""
    report_id = str(request["report_id"])
    urgent = bool(request.get("urgent", False))
    with SetWorkflowID(f"report-{report_id}"):
        with SetEnqueueOptions(priority=_priority(urgent)):
            DBOS.enqueue_workflow(RENDER_QUEUE, render_report, report_id, request["pages"], urgent)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    config: DBOSConfig = {
        "name": "report-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Pinned so a restarted/redeployed service recovers the previous process's jobs and retries.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    # One job at a time, across every process sharing the system database.
    DBOS.register_queue(RENDER_QUEUE, worker_concurrency=1, global_concurrency=1)

    INBOX.mkdir(exist_ok=True)
    seen: set[str] = set()  # only saves database round trips; workflow IDs make enqueues idempotent
    try:
        while True:
            for path in sorted(INBOX.glob("*.json")):
                if path.name in seen:
                    continue
                try:
                    request = json.loads(path.read_text())
                except (OSError, json.JSONDecodeError):
                    continue  # still being written: pick it up on the next scan
                enqueue_request(request)
                seen.add(path.name)
            time.sleep(SCAN_S)
    except KeyboardInterrupt:
        pass
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
