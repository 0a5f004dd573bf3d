"""The partner systems the nightly jobs feed (CRM, billing, search). Do not modify.

Every push is billed by the partner and acted on at once (a CRM contact update emails the sales rep, a billing
push issues an invoice), so each record must reach its system exactly once per day. Pushes are logged as
JSON lines in PUSH_LOG (default pushes.jsonl). Ops drill: with NIGHTLY_CRASH_ON_PUSH=N the process is
SIGKILLed just before its N-th push, the way the OOM killer took the box down last week.
"""

import json
import os
import signal
import threading
import time
import zlib
from pathlib import Path

_lock = threading.Lock()
_pushes = 0


def fetch_changes(source: str, day: str) -> list[dict]:
    """The records a source changed on `day` (deterministic for a source and day; slow-ish)."""
    time.sleep(float(os.environ.get("SOURCE_LATENCY_S", "0.05")))
    count = 2 + zlib.crc32(f"{source}/{day}".encode()) % 4
    return [{"id": f"{source}-{day}-{i}", "source": source, "n": i} for i in range(count)]


def push(system: str, day: str, record: dict) -> None:
    """Send one record to a partner system (billed, not idempotent)."""
    global _pushes
    with _lock:
        _pushes += 1
        if _pushes == int(os.environ.get("NIGHTLY_CRASH_ON_PUSH", "0")):
            os.kill(os.getpid(), signal.SIGKILL)
        with Path(os.environ.get("PUSH_LOG", "pushes.jsonl")).open("a") as log:
            log.write(json.dumps({"system": system, "day": day, "record": record["id"]}) + "\n")
    time.sleep(float(os.environ.get("PUSH_LATENCY_S", "0.02")))
