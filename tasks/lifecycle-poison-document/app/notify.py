"""Tells the uploader their PDF is ready (our email provider). Do not modify."""

import json
import os
import threading
import time
from pathlib import Path

import ops_drill

OUTBOX = Path(os.environ.get("NOTIFY_OUTBOX", "outbox.jsonl"))
_lock = threading.Lock()


def pdf_ready(doc_id: str, owner: str, url: str) -> None:
    with ops_drill.external_call():
        time.sleep(0.05)
        with _lock, OUTBOX.open("a") as log:
            log.write(json.dumps({"doc_id": doc_id, "to": owner, "url": url, "at": time.time()}) + "\n")
