"""Our email provider's client. Do not modify.

Every digest mailed goes to the whole list (tens of thousands of people), so a digest must never be mailed
twice for the same scheduled time. Sends are logged as JSON lines in DIGEST_LOG (default digests.jsonl):
{"list": ..., "for": <the digest's scheduled time, ISO 8601>, "pid": <the sending process>}.
"""

import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()


def send_digest(list_name: str, scheduled_for: str) -> None:
    time.sleep(float(os.environ.get("MAILER_LATENCY_S", "0.05")))
    with _lock, Path(os.environ.get("DIGEST_LOG", "digests.jsonl")).open("a") as log:
        log.write(json.dumps({"list": list_name, "for": scheduled_for, "pid": os.getpid()}) + "\n")
