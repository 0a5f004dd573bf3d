"""The video catalog (a stand-in: JSON lines in the file named by CATALOG_LOG). Do not modify."""

import json
import os
from pathlib import Path


def mark_ready(video_id: str, renditions: list[str]) -> None:
    with Path(os.environ.get("CATALOG_LOG", "catalog.jsonl")).open("a") as out:
        out.write(json.dumps({"video_id": video_id, "renditions": renditions}) + "\n")
