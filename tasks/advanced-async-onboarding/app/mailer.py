"""Async client for our transactional email provider. Do not modify."""

import asyncio
import json
import os
import time
from pathlib import Path

OUTBOX = Path(os.environ.get("MAILER_OUTBOX", "welcome_emails.jsonl"))


async def send_welcome_email(employee_id: str, full_name: str, accounts: dict[str, str]) -> None:
    await asyncio.sleep(0.05)
    with OUTBOX.open("a") as outbox:
        outbox.write(json.dumps({"employee_id": employee_id, "full_name": full_name, "accounts": accounts,
                                 "sent_at": time.time()}) + "\n")
