"""The report rendering service.

systemd runs it as ``python report_service.py``. Other systems drop report requests into the inbox
directory (``REPORTS_INBOX``, default ``inbox/``) as JSON files ``{"report_id", "pages", "urgent"}``.

Every request becomes a DBOS workflow (id ``report-<report id>``, so re-reading the inbox after a restart
enqueues nothing twice) on the "renders" queue, which runs one job at a time across the service. Urgent
requests get priority 1 and bulk ones 10 (every enqueue gets a priority: one without is stored as 0 and
would overtake the urgent ones). A job the renderer refuses is re-enqueued with ``delay_seconds``: the
retry waits in the database (DELAYED), not in a worker, so the queue moves on and a restart keeps it.
"""

import json
import os
import time
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetEnqueueOptions, SetWorkflowID

import renderer

INBOX = Path(os.environ.get("REPORTS_INBOX", "inbox"))
RENDER_QUEUE = "renders"
SCAN_S = 0.2
URGENT, BULK = 1, 10


@DBOS.step()
def render(report_id: str, pages: int) -> dict:
    try:
        return {"url": renderer.render(report_id, pages)}
    except renderer.RendererBusy as busy:
        return {"retry_after_s": busy.retry_after_s}


@DBOS.workflow()
def render_report(request: dict) -> str | None:
    outcome = render(request["report_id"], request["pages"])
    if "url" in outcome:
        return outcome["url"]
    with SetEnqueueOptions(priority=URGENT if request["urgent"] else BULK,
                           delay_seconds=outcome["retry_after_s"]):
        DBOS.enqueue_workflow(RENDER_QUEUE, render_report, request)
    return None


def submit(request: dict) -> None:
    with SetWorkflowID(f"report-{request['report_id']}"), \
            SetEnqueueOptions(priority=URGENT if request["urgent"] else BULK):
        DBOS.enqueue_workflow(RENDER_QUEUE, render_report, request)


def main() -> None:
    config: DBOSConfig = {
        "name": "report-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(RENDER_QUEUE, global_concurrency=1, polling_interval_sec=0.2)
    INBOX.mkdir(exist_ok=True)
    seen: set[str] = set()
    while True:
        for path in sorted(INBOX.glob("*.json")):
            if path.name not in seen:
                submit(json.loads(path.read_text()))
                seen.add(path.name)
        time.sleep(SCAN_S)


if __name__ == "__main__":
    main()
