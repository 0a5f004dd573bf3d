"""Client of our image CDN. Do not modify.

Every upload is billed, and the CDN versions files: uploading the same file again publishes a new URL
(``?v=2``) and the pages cached with the old one break. Uploads are slow (large images).
"""

import json
import os
import time
from pathlib import Path

import drill


def upload_image(sku: str, filename: str) -> str:
    """Upload one product image; returns its public URL."""
    drill.before_call("CDN_CRASH_ON_CALL")  # ops drill: the machine may die before this upload goes out
    time.sleep(0.1)
    log = Path(os.environ.get("CDN_LOG", "cdn_uploads.jsonl"))
    asset = f"{sku}/{filename}"
    earlier = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    version = 1 + sum(1 for u in earlier if u["asset"] == asset)
    url = f"https://img.example-cdn.net/{asset}?v={version}"
    with log.open("a") as out:
        out.write(json.dumps({"asset": asset, "sku": sku, "filename": filename, "url": url}) + "\n")
    return url
