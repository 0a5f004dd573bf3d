"""Uploads to the tenants' export buckets. Do not modify.

Each upload is billed and triggers the tenant's own import job, so a tenant must receive a day's export
exactly once. Uploads and manifests are logged as JSON lines (EXPORT_UPLOADS, default uploads.jsonl;
EXPORT_MANIFESTS, default manifests.jsonl). Ops drill: with EXPORT_CRASH_ON_UPLOAD=N the process hangs for
half a second (holding every other upload back) and is SIGKILLed just before its N-th upload.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_uploads = 0


def _append(env: str, default: str, record: dict) -> None:
    with Path(os.environ.get(env, default)).open("a") as f:
        f.write(json.dumps(record) + "\n")


def upload(tenant: str, date: str, rows: list[dict]) -> None:
    global _uploads
    with _lock:
        _uploads += 1
        if _uploads == int(os.environ.get("EXPORT_CRASH_ON_UPLOAD", "0")):
            time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGKILL)
        _append("EXPORT_UPLOADS", "uploads.jsonl", {"tenant": tenant, "date": date, "rows": len(rows),
                                                      "key": f"{date}/{tenant}"})


def write_manifest(date: str, exported: dict[str, int]) -> None:
    with _lock:
        _append("EXPORT_MANIFESTS", "manifests.jsonl", {"date": date, "exported": exported})
