"""Client for the render farm that turns an original photo into its web sizes (a stand-in). Do not modify.

The farm bills every job it receives. It runs at most 2 jobs of ours at a time: a job sent while 2 others
are running is rejected with `Busy` (and billed all the same). Every job is appended as one JSON line to
`RENDER_LOG` (`"event": "rendered"` or `"rejected"`).

Ops drill: with `RENDER_CRASH_ON_JOB=N` the process is SIGKILLed while the farm works on the N-th job of
the process (jobs sent after that one never come back).
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

MAX_JOBS_IN_FLIGHT = 2


class Busy(Exception):
    pass


_lock = threading.Lock()
_in_flight = 0
_jobs = 0
_dying = threading.Event()


def _log(record: dict) -> int:
    path = Path(os.environ.get("RENDER_LOG", "renders.jsonl"))
    with _lock:
        count = len(path.read_text().splitlines()) if path.exists() else 0
        with path.open("a") as out:
            out.write(json.dumps(record | {"job": count + 1}) + "\n")
    return count + 1


def _crash_when_alone() -> None:
    _dying.set()
    deadline = time.monotonic() + 10
    while _in_flight > 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.4)
    os.kill(os.getpid(), signal.SIGKILL)


def render(photo_id: str, source: str, sizes: tuple[int, ...]) -> str:
    """Render the web sizes of one photo; returns the URL of the rendered set."""
    global _in_flight, _jobs
    if _dying.is_set():
        time.sleep(3600)
    with _lock:
        _jobs += 1
        job_number = _jobs
        _in_flight += 1
        busy = _in_flight > MAX_JOBS_IN_FLIGHT
    try:
        if busy:
            _log({"event": "rejected", "photo_id": photo_id})
            raise Busy(f"render farm busy: more than {MAX_JOBS_IN_FLIGHT} jobs in flight")
        if job_number == int(os.environ.get("RENDER_CRASH_ON_JOB", "0")):
            _crash_when_alone()
        time.sleep(0.3)
        job = _log({"event": "rendered", "photo_id": photo_id, "source": source, "sizes": list(sizes)})
        return f"https://img.example-cdn.net/{photo_id}/{job:05d}/"
    finally:
        with _lock:
            _in_flight -= 1
