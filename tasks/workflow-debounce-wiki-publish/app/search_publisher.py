"""Client for the public site's search/publish API. Do not modify.

Publishing re-renders the page, invalidates the CDN and re-indexes it for search: it is slow and every call
costs money, so it should run once per settled page, not once per keystroke-save. Each call is recorded in
a JSON-lines log (WIKI_PUBLISHED, default published.jsonl) so ops can audit what went out.
"""

import json
import os
import time
from pathlib import Path


def publish(page_id: str, revision: int, text: str) -> None:
    time.sleep(float(os.environ.get("PUBLISH_LATENCY_S", "0.1")))
    with Path(os.environ.get("WIKI_PUBLISHED", "published.jsonl")).open("a") as f:
        f.write(json.dumps({"page_id": page_id, "revision": revision, "text": text}) + "\n")
