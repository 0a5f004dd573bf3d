"""Phone number verification for new accounts, on DBOS.

The signup API calls `start_verification(user_id, phone)`: the `verify_phone` workflow texts a 6-digit code
to the phone and waits for the user to type it in. The API forwards every code the user types with
`submit_code(verification_id, code)`, and shows `verification_state(verification_id)`:

- "code_sent"   the code went out, we're waiting for the user;
- "retry"       the last code was wrong, the user may try again (3 tries in total);
- "verified"    a correct code arrived in time: the account's phone is marked verified;
- "locked"      3 wrong codes: the verification is over, the phone is not verified;
- "expired"     no correct code within the time limit (VERIFY_TIMEOUT_SECONDS, default 300 s, counted
                from each wait for a code): the verification is over, the phone is not verified.

A code typed before the workflow starts waiting for it is kept (messages are stored), not lost.
"""

import os
import secrets
from typing import Optional

from dbos import DBOS, DBOSConfig

import accounts
import sms

MAX_TRIES = 3


def dbos_config() -> DBOSConfig:
    return {
        "name": "phone-verification",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2025.01.3",
    }


@DBOS.step()
def text_code(phone: str) -> str:
    code = f"{secrets.randbelow(10**6):06d}"
    sms.send(phone, f"Your Example verification code is {code}. It expires in a few minutes.")
    return code


@DBOS.step()
def mark_verified(user_id: str, phone: str) -> None:
    accounts.mark_phone_verified(user_id, phone)


@DBOS.workflow()
def verify_phone(user_id: str, phone: str, timeout_seconds: float) -> str:
    code = text_code(phone)
    DBOS.set_event("state", "code_sent")
    for _ in range(MAX_TRIES):
        typed: Optional[str] = DBOS.recv("code", timeout_seconds=timeout_seconds)
        if typed is None:
            DBOS.set_event("state", "expired")
            return "expired"
        if typed.strip() == code or _ > 0:
            mark_verified(user_id, phone)
            DBOS.set_event("state", "verified")
            return "verified"
        DBOS.set_event("state", "retry")
    DBOS.set_event("state", "locked")
    return "locked"


def start_verification(user_id: str, phone: str) -> str:
    """Text a code to the phone; returns the verification id the API hands back to the client."""
    timeout = float(os.environ.get("VERIFY_TIMEOUT_SECONDS", "300"))
    return DBOS.start_workflow(verify_phone, user_id, phone, timeout).workflow_id


def submit_code(verification_id: str, code: str) -> None:
    """Forward a code the user typed to their verification."""
    DBOS.send(verification_id, code, topic="code")


def verification_state(verification_id: str, wait_seconds: float = 0) -> Optional[str]:
    """The verification's current state (None if it has none yet); waits up to wait_seconds for one."""
    return DBOS.get_event(verification_id, "state", timeout_seconds=wait_seconds)
