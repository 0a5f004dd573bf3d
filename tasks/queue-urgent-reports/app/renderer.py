"""Client of our report renderer (a single headless-browser box). Do not modify.

The renderer renders ONE report at a time. When it is busy with maintenance it refuses a job with
``RendererBusy``, saying after how many seconds to try that job again.
"""

import json
import os
import threading
import time
from pathlib import Path

RENDER_LOG = Path(os.environ.get("RENDER_LOG", "renders.jsonl"))
RENDER_S = 0.3
_lock = threading.Lock()


class RendererBusy(Exception):
    def __init__(self, retry_after_s: float):
        super().__init__(f"renderer busy, retry in {retry_after_s}s")
        self.retry_after_s = retry_after_s


def _log(record: dict) -> None:
    with _lock, RENDER_LOG.open("a") as log:
        log.write(json.dumps({**record, "pid": os.getpid(), "at": time.time()}) + "\n")


def _tried_before(report_id: str) -> bool:
    if not RENDER_LOG.exists():
        return False
    return any(json.loads(line)["report_id"] == report_id for line in RENDER_LOG.read_text().splitlines()
               if line.strip())


def render(report_id: str, pages: int) -> str:
    """Render a report; returns its URL. Raises RendererBusy (try again after ``retry_after_s``)."""
    busy_first = os.environ.get("RENDERER_BUSY_FIRST", "").split(",")  # maintenance drill: these jobs' first try
    refused = report_id in busy_first and not _tried_before(report_id)
    _log({"report_id": report_id, "event": "start"})
    time.sleep(RENDER_S)
    if refused:
        retry_after = float(os.environ.get("RENDERER_RETRY_AFTER_S", "30"))
        _log({"report_id": report_id, "event": "busy", "retry_after_s": retry_after})
        raise RendererBusy(retry_after)
    url = f"https://reports.example.com/{report_id}.pdf"
    _log({"report_id": report_id, "event": "rendered", "url": url})
    return url
