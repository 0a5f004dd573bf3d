"""Client for the CRM's contact API (a stand-in). Do not modify.

Every deletion is appended as one JSON line to the file named by CRM_LOG (default `crm_deletions.jsonl`).
Ops drill: with CRM_CRASH_BEFORE_DELETE=N the process is SIGKILLed right before its N-th deletion.
"""

import json
import os
import signal
from pathlib import Path

_calls = 0


def delete_contact(user_id: str) -> None:
    global _calls
    _calls += 1
    if _calls == int(os.environ.get("CRM_CRASH_BEFORE_DELETE", "0")):
        os.kill(os.getpid(), signal.SIGKILL)
    with Path(os.environ.get("CRM_LOG", "crm_deletions.jsonl")).open("a") as out:
        out.write(json.dumps({"user_id": user_id}) + "\n")
