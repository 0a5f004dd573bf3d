"""Client for our object storage bucket. Do not modify."""

import csv
import json
import os
from pathlib import Path

BUCKET = Path(os.environ.get("STORAGE_BUCKET_DIR", "bucket"))
UPLOAD_LOG = Path(os.environ.get("STORAGE_UPLOAD_LOG", "uploads.jsonl"))


def upload_csv(key: str, rows: list[dict]) -> str:
    """Upload rows as a CSV object under `key`; returns the object's URL."""
    target = BUCKET / key
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]) if rows else ["empty"])
        writer.writeheader()
        writer.writerows(rows)
    url = f"s3://usage-exports/{key}"
    with UPLOAD_LOG.open("a") as log:
        log.write(json.dumps({"key": key, "url": url, "rows": len(rows)}) + "\n")
    return url
