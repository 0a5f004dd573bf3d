"""Writes report sections and pack covers to the document store. Do not modify.

Every write is recorded as a JSON line (PACK_SECTIONS, default sections.jsonl; PACK_COVERS, default
covers.jsonl). Ops drill: with PACK_CRASH_ON_SECTION=N the process is SIGKILLed just before its N-th
section write (after
hanging for half a second, holding every other write back), like a node dying mid-build.
"""

import json
import os
import signal
import threading
import time
from pathlib import Path

_lock = threading.Lock()
_written = 0


def _append(env: str, default: str, record: dict) -> None:
    with Path(os.environ.get(env, default)).open("a") as f:
        f.write(json.dumps(record) + "\n")


def write_section(pack_id: str, region: str, chunk: int, rows: list[dict]) -> None:
    global _written
    with _lock:
        _written += 1
        if _written == int(os.environ.get("PACK_CRASH_ON_SECTION", "0")):
            time.sleep(0.5)  # the node hangs, then dies: writes that already happened have been acknowledged
            os.kill(os.getpid(), signal.SIGKILL)
        _append("PACK_SECTIONS", "sections.jsonl", {
            "pack_id": pack_id, "region": region, "chunk": chunk, "key": f"{pack_id}/{region}/{chunk}",
            "revenue_cents": sum(r["revenue_cents"] for r in rows)})


def write_cover(pack_id: str, sections: int) -> None:
    with _lock:
        _append("PACK_COVERS", "covers.jsonl", {"pack_id": pack_id, "sections": sections})
