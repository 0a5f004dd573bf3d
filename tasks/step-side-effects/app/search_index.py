"""Client for our search cluster's document API. Do not modify.

Every PUT creates a new version of the document (and re-triggers downstream reindexing).
"""

import json
import os
import time
from pathlib import Path

INDEX_LOG = Path(os.environ.get("SEARCH_INDEX_LOG", "index_log.jsonl"))


def put(doc_id: str, fields: dict) -> int:
    """Index a document; returns the new version number."""
    time.sleep(0.05)
    versions = [json.loads(line) for line in INDEX_LOG.read_text().splitlines()] if INDEX_LOG.exists() else []
    version = 1 + sum(1 for v in versions if v["doc_id"] == doc_id)
    with INDEX_LOG.open("a") as log:
        log.write(json.dumps({"doc_id": doc_id, "version": version, **fields}) + "\n")
    return version
