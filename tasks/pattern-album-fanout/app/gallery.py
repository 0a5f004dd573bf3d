"""Client for the public gallery site (a stand-in). Do not modify.

`publish` replaces an album's page; each call is appended as one JSON line to `GALLERY_LOG` (every publish
sends a "new album" notification to the album's followers).
"""

import json
import os
from pathlib import Path


def publish(album_id: str, title: str, photos: list[dict]) -> str:
    with Path(os.environ.get("GALLERY_LOG", "gallery.jsonl")).open("a") as out:
        out.write(json.dumps({"album_id": album_id, "title": title, "photos": photos}) + "\n")
    return f"https://gallery.example.net/albums/{album_id}"
