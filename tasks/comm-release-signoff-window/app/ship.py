"""Our deploy pipeline and the release channel. Do not modify.

deploy() rolls a version out to production (not idempotent: a second call redeploys and pages the SRE on
call); announce() posts the release's outcome to the #releases channel. Both are logged as JSON lines:
DEPLOY_LOG (default deploys.jsonl) and ANNOUNCE_LOG (default announcements.jsonl).
"""

import json
import os
import threading
import time
from pathlib import Path

_lock = threading.Lock()


def _append(env: str, default: str, record: dict) -> None:
    with _lock, Path(os.environ.get(env, default)).open("a") as log:
        log.write(json.dumps(record) + "\n")


def deploy(release_id: str, version: str) -> None:
    time.sleep(float(os.environ.get("DEPLOY_LATENCY_S", "0.2")))
    _append("DEPLOY_LOG", "deploys.jsonl", {"release_id": release_id, "version": version, "at": time.time()})


def announce(release_id: str, outcome: str) -> None:
    _append("ANNOUNCE_LOG", "announcements.jsonl", {"release_id": release_id, "outcome": outcome,
                                                     "at": time.time()})
