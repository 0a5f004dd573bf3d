"""Client for our customer email service. Do not modify."""

import json
import os
from pathlib import Path

OUTBOX = Path(os.environ.get("NOTIFY_OUTBOX", "outbox.jsonl"))


def export_ready(account_id: str, export_id: str, url: str) -> None:
    with OUTBOX.open("a") as out:
        out.write(json.dumps({"account_id": account_id, "export_id": export_id, "url": url}) + "\n")
