"""Client for the partner's bucket. Do not modify.

Every object written is recorded as one JSON line in the file named by EXPORT_SINK_LOG. Copying a partition
takes a while (PARTITION_COPY_S). During a partner maintenance window (while the file named by
SINK_MAINTENANCE_FLAG exists) every write fails.
"""

import json
import os
import time
import zlib
from pathlib import Path

PARTITION_COPY_S = 0.2


def _log() -> Path:
    return Path(os.environ.get("EXPORT_SINK_LOG", "sink.jsonl"))


def _check_available() -> None:
    if Path(os.environ.get("SINK_MAINTENANCE_FLAG", "sink.maintenance")).exists():
        raise ConnectionError("partner bucket is in a maintenance window")


def write_partition(export_id: str, dataset: str, partition: str) -> dict:
    _check_available()
    time.sleep(PARTITION_COPY_S)
    rows = zlib.crc32(f"{dataset}/{partition}".encode()) % 9000 + 1000
    key = f"exports/{export_id}/{dataset}/{partition}.parquet"
    with _log().open("a") as out:
        out.write(json.dumps({"export_id": export_id, "key": key, "rows": rows}) + "\n")
    return {"key": key, "rows": rows}


def write_manifest(export_id: str, dataset: str, receipts: list[dict]) -> str:
    _check_available()
    key = f"exports/{export_id}/_manifest.json"
    with _log().open("a") as out:
        out.write(json.dumps({"export_id": export_id, "key": key, "files": [r["key"] for r in receipts]}) + "\n")
    return key
