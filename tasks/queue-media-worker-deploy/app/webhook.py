"""Tells the web app that an upload's renditions are ready. Do not modify."""

import json
import os
from pathlib import Path

LOG = Path(os.environ.get("WEBHOOK_LOG", "webhooks.jsonl"))


def upload_ready(upload_id: str, urls: dict[str, str]) -> None:
    """Every call makes the web app send the user a "your photo is ready" notification."""
    with LOG.open("a") as log:
        log.write(json.dumps({"upload_id": upload_id, "urls": urls}) + "\n")
