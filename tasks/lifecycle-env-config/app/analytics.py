"""Client for the analytics warehouse's user-deletion API (a stand-in). Do not modify.

Every deletion is appended as one JSON line to the file named by ANALYTICS_LOG.
"""

import json
import os
from pathlib import Path


def forget_user(user_id: str) -> None:
    with Path(os.environ.get("ANALYTICS_LOG", "analytics_deletions.jsonl")).open("a") as out:
        out.write(json.dumps({"user_id": user_id}) + "\n")
