"""Exports from the tenants' warehouse databases. Do not modify.

Each tenant's data lives on that tenant's own database; an export runs a long scan on it, and a tenant's
database can take only ONE export at a time (two at once and it starts timing out the tenant's live app).
Exports of different tenants don't interfere with each other.
"""

import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

EXPORT_LOG = Path(os.environ.get("WAREHOUSE_EXPORT_LOG", "exports_log.jsonl"))
SCAN_S = 0.4
_lock = threading.Lock()
_call_numbers = itertools.count(1)


def export_dataset(tenant: str, dataset: str, export_id: str) -> str:
    """Dump one dataset of a tenant to object storage; returns the file's URL."""
    call_number = next(_call_numbers)
    crash_at = int(os.environ.get("WAREHOUSE_CRASH_ON_CALL", "0"))
    if crash_at and call_number == crash_at:  # ops drill: the export worker dies before this export starts
        os.kill(os.getpid(), signal.SIGKILL)
    started_at = time.time()
    time.sleep(SCAN_S)
    url = f"s3://tenant-exports/{tenant}/{dataset}/{export_id}.csv.gz"
    with _lock, EXPORT_LOG.open("a") as log:
        log.write(json.dumps({"export_id": export_id, "tenant": tenant, "dataset": dataset, "url": url,
                              "started_at": started_at, "finished_at": time.time()}) + "\n")
    return url
