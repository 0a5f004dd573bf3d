"""Client for our object storage. Do not modify."""

import json
import os
import signal
import threading
import time
from pathlib import Path

LOG = Path(os.environ.get("STORAGE_LOG", "storage.jsonl"))
_calls = 0
_lock = threading.Lock()  # one connection: calls are handled one at a time


def put(key: str, size_bytes: int) -> str:
    """Store an object; returns its URL. Every call uploads (and bills) the object again."""
    global _calls
    with _lock:
        time.sleep(0.05)  # upload latency
        _calls += 1
        if _calls == int(os.environ.get("STORAGE_CRASH_ON_PUT", "0")):  # ops drill: the worker box dies here
            time.sleep(0.5)  # (what else was in flight on the box gets to finish)
            os.kill(os.getpid(), signal.SIGKILL)
        with LOG.open("a") as log:
            log.write(json.dumps({"key": key, "size_bytes": size_bytes}) + "\n")
        return f"https://media.example.com/{key}"
