"""Client for the customer-facing file storage. Do not modify.

`put` writes (or overwrites) the object under `key`.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

LOG = Path(os.environ.get("STORAGE_LOG", "storage.jsonl"))
_calls = 0
_lock = threading.Lock()  # one connection: calls are handled one at a time


def put(key: str, content: str) -> str:
    """Store `content` under `key`; returns a download URL."""
    global _calls
    with _lock:
        time.sleep(0.05)  # upload latency
        _calls += 1
        if _calls == int(os.environ.get("STORAGE_CRASH_ON_PUT", "0")):  # ops drill: the server dies here
            time.sleep(0.5)  # (what else was in flight on the server gets to finish)
            os.kill(os.getpid(), signal.SIGKILL)
        with LOG.open("a") as log:
            log.write(json.dumps({"key": key, "content": content}) + "\n")
        return f"https://files.example.com/{key}"
