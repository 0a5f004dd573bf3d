"""Python binding of our native document converter (libdocconv). Do not modify.

Some documents trigger bugs deep in the native library that take the whole process down (a segfault:
the process is gone, no exception, no cleanup). Most of those crashes happen every time the document is
opened; a few are flukes that don't happen again on the next try.
"""

import json
import os
import threading
import time
from pathlib import Path

import ops_drill

ATTEMPTS_LOG = Path(os.environ.get("CONVERTER_ATTEMPTS_LOG", "attempts.jsonl"))
OUTPUT_LOG = Path(os.environ.get("CONVERTER_OUTPUT_LOG", "converted.jsonl"))
CONVERT_S = 0.2
CRASH_AFTER_S = 0.6
_lock = threading.Lock()


def _append(path: Path, record: dict) -> None:
    with _lock, path.open("a") as log:
        log.write(json.dumps(record) + "\n")


def convert_to_pdf(doc: dict) -> str:
    """Convert one document; returns the URL of the PDF. May kill the process (see the module docstring)."""
    _append(ATTEMPTS_LOG, {"doc_id": doc["doc_id"], "pid": os.getpid(), "at": time.time()})
    crash = doc.get("native_bug")
    if crash == "always" or (crash == "once" and _first_try(doc["doc_id"])):
        time.sleep(CRASH_AFTER_S)  # the library chews on the document for a while, then dies
        ops_drill.crash()
    with ops_drill.external_call():
        time.sleep(CONVERT_S)
        url = f"s3://converted/{doc['doc_id']}.pdf"
        _append(OUTPUT_LOG, {"doc_id": doc["doc_id"], "url": url, "pid": os.getpid(), "at": time.time()})
    return url


def _first_try(doc_id: str) -> bool:
    marker = Path(f".docconv-{doc_id}.crashed")
    if marker.exists():
        return False
    marker.write_text("crashed once\n")
    return True
