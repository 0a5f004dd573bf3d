"""Tests of the phone verification workflow (`verification.py`), run in-process against the Postgres
database named by `DBOS_SYSTEM_DATABASE_URL` (wiped at the start of every run)."""

import json
import re
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from dbos import DBOS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import verification  # noqa: E402

WAIT = 15  # upper bound for anything the workflow should do promptly (seconds)


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def dbos_app():
    """One DBOS instance for the whole run, on a freshly wiped system database (earlier runs may have left
    pending verifications behind; they must not be recovered into this run)."""
    DBOS(config=verification.dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    yield
    DBOS.destroy()


@pytest.fixture
def env(dbos_app, tmp_path, monkeypatch):
    sms_log = tmp_path / "sms.jsonl"
    accounts_log = tmp_path / "accounts.jsonl"
    monkeypatch.setenv("SMS_LOG", str(sms_log))
    monkeypatch.setenv("ACCOUNTS_LOG", str(accounts_log))
    # Generous default so tests that don't exercise expiry never expire by accident (tests override it).
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "20")
    suffix = uuid.uuid4().int % 10**8
    return SimpleNamespace(
        sms_log=sms_log,
        accounts_log=accounts_log,
        user_id=f"user-{uuid.uuid4().hex[:12]}",
        phone=f"+3161{suffix:08d}",
        monkeypatch=monkeypatch,
    )


# --------------------------------------------------------------------------------------------- helpers


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def texts_to(env, phone: str) -> list[dict]:
    return [r for r in read_jsonl(env.sms_log) if r.get("to") == phone]


def accounts_updates(env, user_id: str) -> list[dict]:
    return [r for r in read_jsonl(env.accounts_log) if r.get("user_id") == user_id]


def texted_code(env, phone: str, timeout: float = WAIT) -> str:
    """The code that was texted to the phone (waits for the text to go out)."""
    deadline = time.monotonic() + timeout
    while True:
        messages = texts_to(env, phone)
        if messages:
            match = re.search(r"(?<!\d)(\d{6})(?!\d)", messages[-1]["text"])
            assert match, f"no 6-digit code in the text: {messages[-1]['text']!r}"
            return match.group(1)
        if time.monotonic() > deadline:
            pytest.fail(f"no code was texted to {phone}")
        time.sleep(0.05)


def wrong_code(code: str, offset: int = 1) -> str:
    return f"{(int(code) + offset) % 10**6:06d}"


def wait_for_state(verification_id: str, expected: str, timeout: float = WAIT) -> str | None:
    """Polls the verification's state until it is `expected` (or the timeout passes); returns the last one."""
    deadline = time.monotonic() + timeout
    state = verification.verification_state(verification_id)
    while state != expected and time.monotonic() < deadline:
        time.sleep(0.05)
        state = verification.verification_state(verification_id)
    return state


def workflow_status(verification_id: str) -> str | None:
    status = DBOS.get_workflow_status(verification_id)
    return None if status is None else status.status


def wait_for_result(verification_id: str, timeout: float = WAIT):
    """The workflow's final result, without blocking forever if it never finishes."""
    deadline = time.monotonic() + timeout
    while workflow_status(verification_id) in (None, "PENDING", "ENQUEUED"):
        if time.monotonic() > deadline:
            pytest.fail(f"verification {verification_id} did not finish within {timeout}s")
        time.sleep(0.05)
    return DBOS.retrieve_workflow(verification_id).get_result()


def start(env) -> tuple[str, str]:
    """Starts a verification; returns its id and the code texted to the phone."""
    verification_id = verification.start_verification(env.user_id, env.phone)
    assert isinstance(verification_id, str) and verification_id
    assert wait_for_state(verification_id, "code_sent") == "code_sent"
    return verification_id, texted_code(env, env.phone)


# --------------------------------------------------------------------------------------------- tests


def test_correct_code_verifies_the_phone(env):
    verification_id, code = start(env)

    messages = texts_to(env, env.phone)
    assert len(messages) == 1
    assert re.fullmatch(r"\d{6}", code)
    assert accounts_updates(env, env.user_id) == []  # nothing verified before the code arrives

    verification.submit_code(verification_id, code)

    assert wait_for_state(verification_id, "verified") == "verified"
    assert wait_for_result(verification_id) == "verified"
    updates = accounts_updates(env, env.user_id)
    assert len(updates) == 1
    assert updates[0]["phone"] == env.phone
    assert updates[0].get("verified") is True
    assert len(texts_to(env, env.phone)) == 1  # exactly one code texted


def test_wrong_codes_get_retry_and_third_wrong_code_locks(env):
    verification_id, code = start(env)

    verification.submit_code(verification_id, wrong_code(code, 1))
    assert wait_for_state(verification_id, "retry") == "retry"
    assert workflow_status(verification_id) == "PENDING"

    verification.submit_code(verification_id, wrong_code(code, 2))
    time.sleep(0.7)  # give the workflow time to process the second wrong code
    assert verification.verification_state(verification_id) == "retry"
    assert workflow_status(verification_id) == "PENDING"
    assert accounts_updates(env, env.user_id) == []

    verification.submit_code(verification_id, wrong_code(code, 3))
    assert wait_for_state(verification_id, "locked") == "locked"
    assert wait_for_result(verification_id) == "locked"
    assert accounts_updates(env, env.user_id) == []

    # A locked verification stays locked: even the right code doesn't verify the phone any more.
    verification.submit_code(verification_id, code)
    time.sleep(0.5)
    assert verification.verification_state(verification_id) == "locked"
    assert accounts_updates(env, env.user_id) == []


def test_no_code_within_time_limit_expires(env):
    env.monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "1")
    verification_id, code = start(env)

    assert wait_for_state(verification_id, "expired") == "expired"
    assert wait_for_result(verification_id) == "expired"
    assert accounts_updates(env, env.user_id) == []

    # A code that arrives after the expiry doesn't verify the phone.
    verification.submit_code(verification_id, code)
    time.sleep(0.5)
    assert verification.verification_state(verification_id) == "expired"
    assert accounts_updates(env, env.user_id) == []


def test_expires_after_a_wrong_code_when_no_further_code_arrives(env):
    env.monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "1")
    verification_id, code = start(env)

    verification.submit_code(verification_id, wrong_code(code))
    assert wait_for_state(verification_id, "expired") == "expired"
    assert wait_for_result(verification_id) == "expired"
    assert accounts_updates(env, env.user_id) == []


def test_correct_code_after_a_wrong_one_still_verifies(env):
    verification_id, code = start(env)

    verification.submit_code(verification_id, wrong_code(code))
    assert wait_for_state(verification_id, "retry") == "retry"

    verification.submit_code(verification_id, code)
    assert wait_for_state(verification_id, "verified") == "verified"
    assert wait_for_result(verification_id) == "verified"
    assert len(accounts_updates(env, env.user_id)) == 1


def test_correct_code_on_the_third_try_still_verifies(env):
    verification_id, code = start(env)

    verification.submit_code(verification_id, wrong_code(code, 1))
    assert wait_for_state(verification_id, "retry") == "retry"
    verification.submit_code(verification_id, wrong_code(code, 2))
    verification.submit_code(verification_id, code)

    assert wait_for_state(verification_id, "verified") == "verified"
    assert wait_for_result(verification_id) == "verified"
    updates = accounts_updates(env, env.user_id)
    assert len(updates) == 1
    assert updates[0]["phone"] == env.phone


def test_code_sent_before_the_workflow_waits_is_not_lost(env):
    verification_id = verification.start_verification(env.user_id, env.phone)
    verification.submit_code(verification_id, "not-the-code")  # typically before the workflow waits

    assert wait_for_state(verification_id, "retry") == "retry"
    code = texted_code(env, env.phone)
    verification.submit_code(verification_id, code)
    assert wait_for_state(verification_id, "verified") == "verified"
    assert wait_for_result(verification_id) == "verified"
    assert len(accounts_updates(env, env.user_id)) == 1


def test_time_limit_counts_from_each_wait(env):
    env.monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "4")
    verification_id, code = start(env)

    time.sleep(2.5)  # within the limit of the first wait
    verification.submit_code(verification_id, wrong_code(code))
    assert wait_for_state(verification_id, "retry") == "retry"

    time.sleep(2.5)  # within the limit of the second wait, but past the limit counted from the start
    verification.submit_code(verification_id, code)
    assert wait_for_state(verification_id, "verified") == "verified"
    assert wait_for_result(verification_id) == "verified"
    assert len(accounts_updates(env, env.user_id)) == 1


def test_separate_verifications_do_not_interfere(env):
    first_id, first_code = start(env)
    other_user, other_phone = f"user-{uuid.uuid4().hex[:12]}", f"+3162{uuid.uuid4().int % 10**8:08d}"
    second_id = verification.start_verification(other_user, other_phone)
    assert second_id != first_id
    assert wait_for_state(second_id, "code_sent") == "code_sent"
    second_code = texted_code(env, other_phone)

    verification.submit_code(second_id, second_code)
    assert wait_for_state(second_id, "verified") == "verified"
    assert verification.verification_state(first_id) == "code_sent"
    assert accounts_updates(env, env.user_id) == []
    assert [r["phone"] for r in accounts_updates(env, other_user)] == [other_phone]

    verification.submit_code(first_id, first_code)
    assert wait_for_state(first_id, "verified") == "verified"
    assert wait_for_result(first_id) == "verified"
    assert wait_for_result(second_id) == "verified"
    assert [r["phone"] for r in accounts_updates(env, env.user_id)] == [env.phone]
