"""Client of our image CDN. Do not modify.

Every upload is billed, and the CDN versions files: uploading the same file again publishes a new URL
(``?v=2``) and the pages cached with the old one break. Uploads are slow (large images).
"""

import json
import os
import signal
import time
from pathlib import Path

_calls = 0


def upload_image(sku: str, filename: str) -> str:
    """Upload one product image; returns its public URL."""
    global _calls
    _calls += 1
    crash_at = int(os.environ.get("CDN_CRASH_ON_CALL", "0"))
    if crash_at and _calls == crash_at:  # ops drill: the machine dies before this upload goes out
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(0.1)
    log = Path(os.environ.get("CDN_LOG", "cdn_uploads.jsonl"))
    asset = f"{sku}/{filename}"
    earlier = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    version = 1 + sum(1 for u in earlier if u["asset"] == asset)
    url = f"https://img.example-cdn.net/{asset}?v={version}"
    with log.open("a") as out:
        out.write(json.dumps({"asset": asset, "sku": sku, "filename": filename, "url": url}) + "\n")
    return url
