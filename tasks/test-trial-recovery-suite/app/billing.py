"""The billing provider (a stand-in for tests). Do not modify.

Every call is appended as one JSON line to the file named by BILLING_LOG.
"""

import json
import os
from pathlib import Path


def _log(record: dict) -> None:
    with Path(os.environ.get("BILLING_LOG", "billing.jsonl")).open("a") as out:
        out.write(json.dumps(record) + "\n")


def open_trial(account_id: str, plan: str) -> str:
    _log({"event": "trial_opened", "account_id": account_id, "plan": plan})
    return f"sub-{account_id}"


def charge(subscription_id: str, amount_cents: int) -> str:
    _log({"event": "charged", "subscription_id": subscription_id, "amount_cents": amount_cents})
    return f"inv-{subscription_id}"
