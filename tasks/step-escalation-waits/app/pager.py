"""Our paging provider's client. Do not modify.

``page`` rings a person's phone (and records the page); ``acknowledged_by`` asks the provider whether
anyone has acknowledged the incident yet.
"""

import json
import os
import threading
import time
from pathlib import Path

PAGES_LOG = Path(os.environ.get("PAGER_LOG", "pages.jsonl"))
ACKS_FILE = Path(os.environ.get("PAGER_ACKS", "acks.json"))
_lock = threading.Lock()


def page(incident_id: str, who: str, message: str) -> str:
    """Page ``who`` about the incident; returns the page id."""
    time.sleep(0.1)
    page_id = f"pg-{incident_id}-{who}"
    with _lock, PAGES_LOG.open("a") as log:
        log.write(json.dumps({"page_id": page_id, "incident_id": incident_id, "to": who, "message": message,
                              "at": time.time()}) + "\n")
    return page_id


def acknowledged_by(incident_id: str) -> str | None:
    """Who acknowledged the incident, or None while nobody has."""
    time.sleep(0.05)
    if not ACKS_FILE.exists():
        return None
    return json.loads(ACKS_FILE.read_text()).get(incident_id)
