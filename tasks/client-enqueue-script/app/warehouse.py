"""Read-only access to the usage warehouse (needs the warehouse credentials of the reports box). Do not modify.

Every query is recorded in the warehouse's query audit log (path from WAREHOUSE_QUERY_LOG): a JSON line when it
starts and another when it ends, so the DBAs can see which exports overlapped.
"""

import json
import os
import time
from pathlib import Path

_EXPORT = Path(__file__).with_name("usage_export.json")
QUERY_LATENCY_S = 0.2


def _audit(record: dict) -> None:
    with Path(os.environ.get("WAREHOUSE_QUERY_LOG", "warehouse_queries.jsonl")).open("a") as audit:
        audit.write(json.dumps(record) + "\n")


def query_usage(account_id: str, month: str) -> list[dict]:
    """Metered usage of one account in one month (YYYY-MM): [{"metric": ..., "quantity": ...}, ...]."""
    _audit({"account_id": account_id, "month": month, "event": "start", "at": time.time()})
    time.sleep(QUERY_LATENCY_S)
    _audit({"account_id": account_id, "month": month, "event": "end", "at": time.time()})
    usage = json.loads(_EXPORT.read_text())
    return [{"metric": metric, "quantity": qty}
            for metric, qty in sorted(usage.get(account_id, {}).get(month, {}).items())]
