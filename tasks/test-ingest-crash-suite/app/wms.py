"""Client for the warehouse management system's delivery API (a stand-in). Do not modify.

Every delivery posted is appended as one JSON line to the file named by WMS_LOG (default `wms.jsonl`).

Ops drill: with WMS_CRASH_BEFORE_POST=N the process is killed (SIGKILL, like a node going away) right before
its N-th post, which is then not made.
"""

import json
import os
import signal
from pathlib import Path

_posts = 0


def post_delivery(tracking_no: str, order_id: str, delivered_at: str, batch_id: str) -> str:
    global _posts
    _posts += 1
    if _posts == int(os.environ.get("WMS_CRASH_BEFORE_POST", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    log = Path(os.environ.get("WMS_LOG", "wms.jsonl"))
    receipt = f"wms-{tracking_no}"
    with log.open("a") as out:
        out.write(json.dumps({"receipt": receipt, "tracking_no": tracking_no, "order_id": order_id,
                              "delivered_at": delivered_at, "batch_id": batch_id}) + "\n")
    return receipt
