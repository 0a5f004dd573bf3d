"""The accounts service (a stand-in: JSON lines in the file named by ACCOUNTS_LOG). Do not modify."""

import json
import os
from pathlib import Path


def mark_phone_verified(user_id: str, phone: str) -> None:
    with Path(os.environ.get("ACCOUNTS_LOG", "accounts.jsonl")).open("a") as out:
        out.write(json.dumps({"user_id": user_id, "phone": phone, "verified": True}) + "\n")
