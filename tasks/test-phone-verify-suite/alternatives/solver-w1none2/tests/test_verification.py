"""Tests for the phone verification workflow (`verification.py`).

Run with `python -m pytest tests/` from the repo root; needs a Postgres database in DBOS_SYSTEM_DATABASE_URL.
Every test starts DBOS on a freshly reset system database, so leftovers of earlier runs don't matter.
"""

import json
import os
import re
import sys
import time
import uuid
from pathlib import Path

import pytest
from dbos import DBOS

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import verification  # noqa: E402

# Long enough for any test step, short enough that a stuck workflow can't hold up the suite for long.
DEFAULT_TEST_TIMEOUT_SECONDS = "20"


@pytest.fixture()
def dbos_env(tmp_path, monkeypatch):
    monkeypatch.setenv("SMS_LOG", str(tmp_path / "sms.jsonl"))
    monkeypatch.setenv("ACCOUNTS_LOG", str(tmp_path / "accounts.jsonl"))
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", DEFAULT_TEST_TIMEOUT_SECONDS)
    DBOS.destroy()
    DBOS(config=verification.dbos_config())
    # The database belongs to this suite: start every test from a clean system database, so that
    # workflows left behind by earlier (possibly killed) runs are not recovered into this one.
    DBOS.reset_system_database()
    DBOS.launch()
    yield tmp_path
    DBOS.destroy()


# --- helpers -------------------------------------------------------------------------------------------


def read_jsonl(env_var: str) -> list[dict]:
    path = Path(os.environ[env_var])
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def new_user() -> tuple[str, str]:
    suffix = uuid.uuid4().hex
    return f"user-{suffix[:12]}", f"+3161{int(suffix[:8], 16) % 10**7:07d}"


def wait_for_state(verification_id: str, expected: str, timeout: float = 15.0) -> str:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = verification.verification_state(verification_id)
        if state == expected:
            return state
        time.sleep(0.05)
    pytest.fail(f"verification {verification_id} never reached state {expected!r} (last state: {state!r})")


def texted_messages(phone: str) -> list[dict]:
    return [m for m in read_jsonl("SMS_LOG") if m["to"] == phone]


def texted_code(phone: str) -> str:
    messages = texted_messages(phone)
    assert len(messages) == 1, f"expected exactly one SMS to {phone}, got {messages}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, f"no 6-digit code in {messages[0]['text']!r}"
    return match.group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def account_updates(user_id: str) -> list[dict]:
    return [r for r in read_jsonl("ACCOUNTS_LOG") if r["user_id"] == user_id]


def start(user_id: str, phone: str) -> tuple[str, str]:
    """Start a verification and wait until the code is texted; returns (verification id, code)."""
    verification_id = verification.start_verification(user_id, phone)
    wait_for_state(verification_id, "code_sent")
    return verification_id, texted_code(phone)


def submit(verification_id: str, code: str) -> None:
    verification.submit_code(verification_id, code)
    time.sleep(0.05)  # keep the messages of one verification in the order they were typed


def outcome(verification_id: str) -> str:
    return DBOS.retrieve_workflow(verification_id).get_result()


def status(verification_id: str) -> str:
    return DBOS.get_workflow_status(verification_id).status


# --- tests ---------------------------------------------------------------------------------------------


def test_correct_code_verifies_phone_exactly_once(dbos_env):
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)

    submit(verification_id, code)

    wait_for_state(verification_id, "verified")
    assert outcome(verification_id) == "verified"
    assert account_updates(user_id) == [{"user_id": user_id, "phone": phone, "verified": True}]
    assert len(texted_messages(phone)) == 1
    assert verification.verification_state(verification_id) == "verified"


def test_code_with_surrounding_whitespace_verifies(dbos_env):
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)

    submit(verification_id, f"  {code}\n")

    wait_for_state(verification_id, "verified")
    assert outcome(verification_id) == "verified"
    assert len(account_updates(user_id)) == 1


def test_wrong_codes_retry_then_third_locks_without_verifying(dbos_env):
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)
    bad = wrong_code(code)

    submit(verification_id, bad)
    wait_for_state(verification_id, "retry")

    submit(verification_id, bad)
    time.sleep(0.5)
    assert verification.verification_state(verification_id) == "retry"
    assert status(verification_id) == "PENDING"  # two wrong codes: the user may still try once more

    submit(verification_id, bad)
    wait_for_state(verification_id, "locked")
    assert outcome(verification_id) == "locked"
    assert account_updates(user_id) == []

    # A correct code after the lock changes nothing.
    submit(verification_id, code)
    time.sleep(0.5)
    assert verification.verification_state(verification_id) == "locked"
    assert account_updates(user_id) == []
    assert len(texted_messages(phone)) == 1


def test_correct_code_after_a_wrong_one_verifies(dbos_env):
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)

    submit(verification_id, wrong_code(code))
    wait_for_state(verification_id, "retry")
    assert account_updates(user_id) == []

    submit(verification_id, code)
    wait_for_state(verification_id, "verified")
    assert outcome(verification_id) == "verified"
    assert account_updates(user_id) == [{"user_id": user_id, "phone": phone, "verified": True}]


def test_correct_code_on_the_third_try_verifies(dbos_env):
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)
    bad = wrong_code(code)

    submit(verification_id, bad)
    wait_for_state(verification_id, "retry")
    submit(verification_id, bad)
    submit(verification_id, code)

    wait_for_state(verification_id, "verified")
    assert outcome(verification_id) == "verified"
    assert len(account_updates(user_id)) == 1


def test_no_code_within_time_limit_expires(dbos_env, monkeypatch):
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "1")
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)

    wait_for_state(verification_id, "expired", timeout=15)
    assert outcome(verification_id) == "expired"
    assert account_updates(user_id) == []

    # The right code typed after the verification expired doesn't verify the phone.
    submit(verification_id, code)
    time.sleep(0.5)
    assert verification.verification_state(verification_id) == "expired"
    assert account_updates(user_id) == []


def test_no_code_after_a_wrong_one_expires(dbos_env, monkeypatch):
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "2")
    user_id, phone = new_user()
    verification_id, code = start(user_id, phone)

    submit(verification_id, wrong_code(code))
    wait_for_state(verification_id, "retry")

    wait_for_state(verification_id, "expired", timeout=15)
    assert outcome(verification_id) == "expired"
    assert account_updates(user_id) == []


def test_verifications_are_independent(dbos_env):
    user_a, phone_a = new_user()
    user_b, phone_b = new_user()
    id_a, code_a = start(user_a, phone_a)
    id_b, code_b = start(user_b, phone_b)
    assert id_a != id_b

    submit(id_b, code_b)
    wait_for_state(id_b, "verified")
    assert verification.verification_state(id_a) == "code_sent"

    submit(id_a, code_a)
    wait_for_state(id_a, "verified")
    assert account_updates(user_a) == [{"user_id": user_a, "phone": phone_a, "verified": True}]
    assert account_updates(user_b) == [{"user_id": user_b, "phone": phone_b, "verified": True}]
