"""Our GPU transcoder (a wrapper around ffmpeg on the transcode box). Do not modify.

A transcode takes a while (TRANSCODE_S simulates it) and the box has two GPUs: more than two transcodes at
once on one box thrash them. Every start and finish is logged as a JSON line (TRANSCODE_LOG, default
transcode_log.jsonl) with the number of transcodes running in this process at that moment.
"""

import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_running = 0


def _log(record: dict) -> None:
    with Path(os.environ.get("TRANSCODE_LOG", "transcode_log.jsonl")).open("a") as f:
        f.write(json.dumps(record) + "\n")


def transcode(video_id: str, profile: str) -> str:
    """Renders one rendition of a video and returns where it was stored."""
    global _running
    with _lock:
        _running += 1
        _log({"event": "start", "video_id": video_id, "profile": profile, "running": _running})
    try:
        time.sleep(float(os.environ.get("TRANSCODE_S", "0.5")))
        output = f"s3://renditions/{video_id}/{profile}.mp4"
        with _lock:
            _log({"event": "done", "video_id": video_id, "profile": profile, "output": output, "running": _running})
        return output
    finally:
        with _lock:
            _running -= 1
