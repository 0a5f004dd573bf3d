"""Async client for the summarization model we rent (the vendor's SDK is asyncio-only). Do not modify.

Slow and billed per call, so every section should be summarized once.
"""

import asyncio
import hashlib
import itertools
import json
import os
import signal
import threading
import time
from pathlib import Path

CALL_LOG = Path(os.environ.get("LLM_CALL_LOG", "llm_calls.jsonl"))
LATENCY_S = 0.3
_lock = threading.Lock()
_call_numbers = itertools.count(1)


async def summarize(text: str) -> str:
    call_number = next(_call_numbers)
    crash_at = int(os.environ.get("LLM_CRASH_ON_CALL", "0"))
    if crash_at and call_number == crash_at:  # ops drill: the pod dies before this call goes out
        os.kill(os.getpid(), signal.SIGKILL)
    await asyncio.sleep(LATENCY_S)
    digest = hashlib.sha1(text.encode()).hexdigest()[:8]
    first_words = " ".join(text.split()[:6])
    summary = f"[{digest}] {first_words}..."
    with _lock, CALL_LOG.open("a") as log:
        log.write(json.dumps({"digest": digest, "chars": len(text), "at": time.time()}) + "\n")
    return summary
