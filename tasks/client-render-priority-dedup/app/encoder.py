"""Our video encoder and CDN publisher (stand-ins). Do not modify.

Every encode is appended as one JSON line to ENCODES_LOG (default `encodes.jsonl`), every publish to
PUBLISHES_LOG (default `publishes.jsonl`), each with the time it happened (`at`, Unix seconds).
"""

import json
import os
import time
from pathlib import Path


def _append(env: str, default: str, record: dict) -> None:
    with Path(os.environ.get(env, default)).open("a") as out:
        out.write(json.dumps({**record, "at": time.time()}) + "\n")


def encode(video_id: str, source: str) -> str:
    time.sleep(0.2)  # the GPU is busy for a while
    output = f"cdn-staging/{video_id}/{Path(source).stem}.mp4"
    _append("ENCODES_LOG", "encodes.jsonl", {"video_id": video_id, "source": source, "output": output})
    return output


def publish(video_id: str, output: str) -> str:
    url = f"https://cdn.example.com/{output.removeprefix('cdn-staging/')}"
    _append("PUBLISHES_LOG", "publishes.jsonl", {"video_id": video_id, "url": url})
    return url
