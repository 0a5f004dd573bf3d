"""Client for the customer-facing file storage. Do not modify.

`put` writes (or overwrites) the object under `key`.
"""

import json
import os
import signal
import time
from pathlib import Path

LOG = Path(os.environ.get("STORAGE_LOG", "storage.jsonl"))
_calls = 0


def put(key: str, content: str) -> str:
    """Store `content` under `key`; returns a download URL."""
    global _calls
    time.sleep(0.05)  # upload latency
    _calls += 1
    if _calls == int(os.environ.get("STORAGE_CRASH_ON_PUT", "0")):  # ops drill: the server dies here
        os.kill(os.getpid(), signal.SIGKILL)
    with LOG.open("a") as log:
        log.write(json.dumps({"key": key, "content": content}) + "\n")
    return f"https://files.example.com/{key}"
