"""Stand-ins for the services the onboarding worker calls. Do not modify.

Every call is appended as one JSON line to a log file in the working directory: `workspaces.jsonl`,
`emails.jsonl`, `kyc_checks.jsonl`, `crm.jsonl` (names can be overridden with ONBOARDING_LOG_PREFIX).
"""

import json
import os
from pathlib import Path


def _log(kind: str, record: dict) -> None:
    with Path(os.environ.get("ONBOARDING_LOG_PREFIX", "") + f"{kind}.jsonl").open("a") as out:
        out.write(json.dumps(record) + "\n")


def create_workspace(user_id: str) -> str:
    workspace = f"ws-{user_id}"
    _log("workspaces", {"user_id": user_id, "workspace": workspace})
    return workspace


def send_email(user_id: str, template: str) -> None:
    _log("emails", {"user_id": user_id, "template": template})


def verify_identity(user_id: str) -> bool:
    """The identity provider's verdict. Test accounts whose id contains "fraud" are rejected."""
    verified = "fraud" not in user_id
    _log("kyc_checks", {"user_id": user_id, "verified": verified})
    return verified


def enroll_in_drip(user_id: str, campaign: str) -> None:
    _log("crm", {"user_id": user_id, "campaign": campaign})
