"""Simulated delivery channels (append to outbox files)."""

import json


async def push(user: str, text: str) -> None:
    with open("push_outbox.jsonl", "a") as f:
        f.write(json.dumps({"user": user, "text": text}) + "\n")


async def email(user: str, text: str) -> None:
    with open("email_outbox.jsonl", "a") as f:
        f.write(json.dumps({"user": user, "text": text}) + "\n")
