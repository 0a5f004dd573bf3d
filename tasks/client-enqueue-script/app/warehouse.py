"""Read-only access to the usage warehouse (needs the warehouse credentials of the reports box). Do not modify.

Every query is recorded in the warehouse's query audit log (one JSON line per query, path from
WAREHOUSE_QUERY_LOG) before it runs.
"""

import json
import os
import time
from pathlib import Path

_EXPORT = Path(__file__).with_name("usage_export.json")
QUERY_LATENCY_S = 0.2


def query_usage(account_id: str, month: str) -> list[dict]:
    """Metered usage of one account in one month (YYYY-MM): [{"metric": ..., "quantity": ...}, ...]."""
    with Path(os.environ.get("WAREHOUSE_QUERY_LOG", "warehouse_queries.jsonl")).open("a") as audit:
        audit.write(json.dumps({"account_id": account_id, "month": month}) + "\n")
    time.sleep(QUERY_LATENCY_S)
    usage = json.loads(_EXPORT.read_text())
    return [{"metric": metric, "quantity": qty}
            for metric, qty in sorted(usage.get(account_id, {}).get(month, {}).items())]
