"""Client for our search cluster. Do not modify.

Re-embedding and re-indexing a document is expensive (we pay per embedding), so we only want to do it
once per edit.
"""

import json
import os
import threading
import time
from pathlib import Path

INDEX_LOG = Path(os.environ.get("SEARCH_INDEX_LOG", "index_calls.jsonl"))
_lock = threading.Lock()


def upsert_document(document: dict) -> None:
    """Embed the document and (re)index it."""
    time.sleep(0.3)  # embedding
    with _lock, INDEX_LOG.open("a") as log:
        log.write(json.dumps({"document_id": document["id"], "title": document["title"],
                              "indexed_at": time.time()}) + "\n")
