"""Draft storage for wiki pages (our existing store; a JSON-lines file stands in for the real table).

Every saved edit is kept: `latest(page_id)` is the newest revision of a page.
"""

import json
import os
from pathlib import Path


def _path() -> Path:
    return Path(os.environ.get("WIKI_DRAFTS", "drafts.jsonl"))


def save(page_id: str, revision: int, text: str) -> None:
    with _path().open("a") as f:
        f.write(json.dumps({"page_id": page_id, "revision": revision, "text": text}) + "\n")


def latest(page_id: str) -> dict | None:
    """The newest saved revision of a page ({"page_id", "revision", "text"}), or None."""
    path = _path()
    if not path.exists():
        return None
    found = None
    for line in path.read_text().splitlines():
        if line.strip():
            record = json.loads(line)
            if record["page_id"] == page_id and (found is None or record["revision"] >= found["revision"]):
                found = record
    return found
