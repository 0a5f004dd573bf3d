"""Client for the accounts service. Do not modify."""

import json
import os
import time
from pathlib import Path

ACCOUNTS_LOG = Path(os.environ.get("ACCOUNTS_LOG", "accounts.jsonl"))


class InvalidSignup(Exception):
    """The accounts service rejected the signup (bad email, blocked domain...)."""


def create_account(email: str, company: str, plan: str) -> str:
    """Create a customer account; returns its account id."""
    time.sleep(0.05)
    if "@" not in email or email.endswith("@example.invalid"):
        raise InvalidSignup(f"rejected signup {email!r}")
    existing = ACCOUNTS_LOG.read_text().splitlines() if ACCOUNTS_LOG.exists() else []
    account_id = f"acc_{len(existing) + 1:05d}"
    with ACCOUNTS_LOG.open("a") as log:
        log.write(json.dumps({"account_id": account_id, "email": email, "company": company, "plan": plan}) + "\n")
    return account_id
