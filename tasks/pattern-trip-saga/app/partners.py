"""Shared plumbing of our partner stand-ins (airline, hotels, cars). Do not modify.

Every call a partner executes is appended as one JSON line to its log file. Ops drill: with
`TRAVEL_CRASH_ON_UNDO=N` the process is SIGKILLed right before the N-th cancellation (seat release or hotel
cancellation) of the process takes effect.
"""

import json
import os
import signal
import time
from pathlib import Path

_undos = 0


def log(env_var: str, default: str, record: dict) -> None:
    with Path(os.environ.get(env_var, default)).open("a") as out:
        out.write(json.dumps(record) + "\n")


def records(env_var: str, default: str) -> list[dict]:
    path = Path(os.environ.get(env_var, default))
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def before_undo() -> None:
    global _undos
    _undos += 1
    time.sleep(0.05)
    if _undos == int(os.environ.get("TRAVEL_CRASH_ON_UNDO", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
