"""Tests for the phone verification flow (`verification.py`).

Run from the repo root with `python -m pytest tests/`; needs `DBOS_SYSTEM_DATABASE_URL` (a database that
belongs to this suite: every test resets it before launching DBOS).
"""

import json
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Optional

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbos import DBOS  # noqa: E402

import verification  # noqa: E402

WAIT_SECONDS = 15.0  # upper bound for anything the workflow does on its own (well below CI's limit)


@pytest.fixture()
def logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    paths = {"sms": tmp_path / "sms.jsonl", "accounts": tmp_path / "accounts.jsonl"}
    monkeypatch.setenv("SMS_LOG", str(paths["sms"]))
    monkeypatch.setenv("ACCOUNTS_LOG", str(paths["accounts"]))
    # Long enough for the tests that type codes, short enough that a stray wait never stalls CI.
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "20")
    return paths


@pytest.fixture()
def dbos_env(logs: dict[str, Path]) -> Iterator[None]:
    DBOS.destroy()
    DBOS(config=verification.dbos_config())
    # The suite's database keeps whatever earlier runs left behind: start every test from an empty one.
    DBOS.reset_system_database()
    DBOS.launch()
    yield
    DBOS.destroy()


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def wait_for_state(verification_id: str, expected: Optional[str], timeout: float = WAIT_SECONDS) -> str:
    """Wait until the verification is in state `expected` (or has any state, if `expected` is None)."""
    deadline = time.monotonic() + timeout
    state: Optional[str] = None
    while time.monotonic() < deadline:
        state = verification.verification_state(verification_id)
        if state is not None and (expected is None or state == expected):
            return state
        time.sleep(0.05)
    pytest.fail(f"verification {verification_id} is {state!r}, expected {expected!r}")


def wait_for_outcome(verification_id: str, timeout: float = WAIT_SECONDS) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = DBOS.get_workflow_status(verification_id)
        if status is not None and status.status in ("SUCCESS", "ERROR"):
            return DBOS.retrieve_workflow(verification_id).get_result()
        time.sleep(0.05)
    pytest.fail(f"verification {verification_id} did not finish within {timeout} s")


def start(user_id: str, phone: str) -> str:
    """Start a verification and wait until its code was texted."""
    verification_id = verification.start_verification(user_id, phone)
    wait_for_state(verification_id, None)
    return verification_id


def texted_code(logs: dict[str, Path], phone: str) -> str:
    messages = [m for m in read_jsonl(logs["sms"]) if m["to"] == phone]
    assert len(messages) == 1, f"expected exactly one SMS to {phone}, got {messages}"
    match = re.search(r"\b(\d{6})\b", messages[0]["text"])
    assert match, f"no 6-digit code in {messages[0]['text']!r}"
    return match.group(1)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_correct_code_verifies_phone(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-1", "+31600000001")
    assert verification.verification_state(vid) == "code_sent"
    code = texted_code(logs, "+31600000001")

    verification.submit_code(vid, code)

    assert wait_for_outcome(vid) == "verified"
    assert verification.verification_state(vid) == "verified"
    assert read_jsonl(logs["accounts"]) == [{"user_id": "user-1", "phone": "+31600000001", "verified": True}]


def test_code_with_surrounding_whitespace_verifies(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-2", "+31600000002")
    code = texted_code(logs, "+31600000002")

    verification.submit_code(vid, f"  {code}\n")

    assert wait_for_outcome(vid) == "verified"
    assert len(read_jsonl(logs["accounts"])) == 1


def test_wrong_code_asks_for_retry(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-3", "+31600000003")
    code = texted_code(logs, "+31600000003")

    verification.submit_code(vid, wrong_code(code))

    wait_for_state(vid, "retry")
    status = DBOS.get_workflow_status(vid)
    assert status is not None and status.status == "PENDING"  # still waiting for another try
    assert read_jsonl(logs["accounts"]) == []

    verification.submit_code(vid, code)  # let the verification finish
    assert wait_for_outcome(vid) == "verified"


def test_three_wrong_codes_lock_without_verifying(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-4", "+31600000004")
    code = texted_code(logs, "+31600000004")

    verification.submit_code(vid, wrong_code(code))
    wait_for_state(vid, "retry")
    verification.submit_code(vid, wrong_code(code))
    time.sleep(0.5)
    status = DBOS.get_workflow_status(vid)
    assert status is not None and status.status == "PENDING"  # two wrong tries are not the end
    assert verification.verification_state(vid) == "retry"
    verification.submit_code(vid, wrong_code(code))

    assert wait_for_outcome(vid) == "locked"
    assert verification.verification_state(vid) == "locked"
    assert read_jsonl(logs["accounts"]) == []


def test_correct_code_after_lock_does_not_verify(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-5", "+31600000005")
    code = texted_code(logs, "+31600000005")

    for _ in range(3):
        verification.submit_code(vid, wrong_code(code))
    assert wait_for_outcome(vid) == "locked"

    verification.submit_code(vid, code)
    time.sleep(0.5)
    assert verification.verification_state(vid) == "locked"
    assert read_jsonl(logs["accounts"]) == []


def test_correct_code_after_wrong_one_verifies(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-6", "+31600000006")
    code = texted_code(logs, "+31600000006")

    verification.submit_code(vid, wrong_code(code))
    wait_for_state(vid, "retry")
    verification.submit_code(vid, code)

    assert wait_for_outcome(vid) == "verified"
    assert verification.verification_state(vid) == "verified"
    assert read_jsonl(logs["accounts"]) == [{"user_id": "user-6", "phone": "+31600000006", "verified": True}]


def test_correct_code_on_last_try_verifies(dbos_env: None, logs: dict[str, Path]) -> None:
    vid = start("user-7", "+31600000007")
    code = texted_code(logs, "+31600000007")

    verification.submit_code(vid, wrong_code(code))
    verification.submit_code(vid, wrong_code(code))
    verification.submit_code(vid, code)

    assert wait_for_outcome(vid) == "verified"
    assert len(read_jsonl(logs["accounts"])) == 1


def test_no_code_in_time_expires(
    dbos_env: None, logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "1")
    vid = start("user-8", "+31600000008")
    code = texted_code(logs, "+31600000008")

    assert wait_for_outcome(vid) == "expired"
    assert verification.verification_state(vid) == "expired"

    verification.submit_code(vid, code)  # too late
    time.sleep(0.5)
    assert verification.verification_state(vid) == "expired"
    assert read_jsonl(logs["accounts"]) == []


def test_silence_after_wrong_code_expires(
    dbos_env: None, logs: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "2")
    vid = start("user-9", "+31600000009")
    code = texted_code(logs, "+31600000009")

    verification.submit_code(vid, wrong_code(code))

    assert wait_for_outcome(vid) == "expired"
    assert verification.verification_state(vid) == "expired"
    assert read_jsonl(logs["accounts"]) == []
