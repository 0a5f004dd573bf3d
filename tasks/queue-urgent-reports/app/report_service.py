"""The report rendering service.

systemd runs it as ``python report_service.py``. Other systems drop report requests into the inbox
directory (``REPORTS_INBOX``, default ``inbox/``) as JSON files ``{"report_id", "pages", "urgent"}``:
urgent ones are reports a customer is waiting for on screen, the rest are nightly bulk reports.
One worker thread feeds the renderer, which takes one job at a time.
"""

import json
import logging
import os
import queue
import threading
import time
from pathlib import Path

import renderer

INBOX = Path(os.environ.get("REPORTS_INBOX", "inbox"))
SCAN_S = 0.2
log = logging.getLogger("report_service")


def worker(jobs: "queue.PriorityQueue") -> None:
    while True:
        _, _, request = jobs.get()
        try:
            url = renderer.render(request["report_id"], request["pages"])
            log.info("rendered %s: %s", request["report_id"], url)
        except renderer.RendererBusy as busy:
            # try again later without holding up the other jobs
            retry = (0 if request["urgent"] else 1, time.time(), request)
            threading.Timer(busy.retry_after_s, jobs.put, args=(retry,)).start()


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    INBOX.mkdir(exist_ok=True)
    jobs: queue.PriorityQueue = queue.PriorityQueue()
    threading.Thread(target=worker, args=(jobs,), daemon=True).start()
    seen: set[str] = set()
    while True:
        for path in sorted(INBOX.glob("*.json")):
            if path.name not in seen:
                seen.add(path.name)
                request = json.loads(path.read_text())
                jobs.put((0 if request["urgent"] else 1, time.time(), request))
        time.sleep(SCAN_S)


if __name__ == "__main__":
    main()
