"""Publishes finished reports to the reports bucket. Do not modify.

Every upload is also written to an audit log (one JSON line per upload, path from REPORT_AUDIT_LOG).
"""

import json
import os
import socket
from pathlib import Path

BUCKET = "s3://acme-usage-reports"


def put_report(account_id: str, month: str, report: dict) -> str:
    key = f"{account_id}/{month}.json"
    audit = Path(os.environ.get("REPORT_AUDIT_LOG", "uploads.jsonl"))
    with audit.open("a") as log:
        log.write(json.dumps({"key": key, "total_cents": report["total_cents"],
                              "host": socket.gethostname(), "pid": os.getpid()}) + "\n")
    return f"{BUCKET}/{key}"
