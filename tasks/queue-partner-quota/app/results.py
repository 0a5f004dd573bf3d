"""Where geocoding results go (our customers poll them from here). Do not modify."""

import json
import os
import threading
from pathlib import Path

RESULTS_LOG = Path(os.environ.get("GEOCODE_RESULTS_LOG", "results.jsonl"))
_lock = threading.Lock()


def save(request_id: str, result: dict) -> None:
    with _lock, RESULTS_LOG.open("a") as log:
        log.write(json.dumps({"request_id": request_id, **result}) + "\n")
