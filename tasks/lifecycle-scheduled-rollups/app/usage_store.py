"""Our usage warehouse: metered usage per customer, and the rollups billing reads. Do not modify.

``rollup(period_end)`` aggregates the meter readings of the period that ends at ``period_end`` and
writes one rollup row for it. Billing charges every rollup row it finds, so a period rolled up twice
is billed twice, and a period never rolled up is never billed.
"""

import json
import os
import threading
import time
from datetime import datetime, timezone
from pathlib import Path

ROLLUPS_LOG = Path(os.environ.get("ROLLUPS_LOG", "rollups.jsonl"))
AGGREGATE_S = 0.2
_lock = threading.Lock()


def rollup(period_end: datetime) -> dict:
    """Aggregate the period ending at ``period_end`` (a timezone-aware datetime) and store its rollup."""
    if period_end.tzinfo is None:
        raise ValueError("period_end must be timezone-aware")
    time.sleep(AGGREGATE_S)  # the aggregation query
    row = {"period_end": period_end.astimezone(timezone.utc).isoformat(), "customers": 3,
           "units": 1200, "written_at": time.time(), "pid": os.getpid()}
    with _lock, ROLLUPS_LOG.open("a") as log:
        log.write(json.dumps(row) + "\n")
    return row
