"""Client for the GPU encoder box (a stand-in for tests). Do not modify.

`encode` takes ENCODER_SECONDS (default 0.3) per rendition. The box has two GPUs; every call is logged as
JSON lines to the file named by ENCODER_LOG: a "start" record (with `in_flight`, how many encodes of this
process were running at that moment, this one included) and a "done" record.
"""

import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_in_flight = 0


def _log(record: dict) -> None:
    with _lock, Path(os.environ.get("ENCODER_LOG", "encoder.jsonl")).open("a") as out:
        out.write(json.dumps(record) + "\n")


def encode(video_id: str, profile: str) -> str:
    """Encode one rendition of an uploaded video; returns the rendition's storage key."""
    global _in_flight
    with _lock:
        _in_flight += 1
        running = _in_flight
    _log({"event": "start", "video_id": video_id, "profile": profile, "in_flight": running})
    try:
        time.sleep(float(os.environ.get("ENCODER_SECONDS", "0.3")))
        key = f"renditions/{video_id}/{profile}.mp4"
        _log({"event": "done", "video_id": video_id, "profile": profile, "key": key})
        return key
    finally:
        with _lock:
            _in_flight -= 1
