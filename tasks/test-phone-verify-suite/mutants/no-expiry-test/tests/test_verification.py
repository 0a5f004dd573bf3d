"""Tests for phone verification (run with `python -m pytest tests/` from the repo root)."""

import json
import re
import time
from pathlib import Path

import pytest
from dbos import DBOS

import verification


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture()
def signup(tmp_path, monkeypatch):
    """A freshly reset DBOS; the stand-ins log into tmp_path; a 2 s time limit keeps expiry tests short."""
    files = {"sms": tmp_path / "sms.jsonl", "accounts": tmp_path / "accounts.jsonl"}
    monkeypatch.setenv("SMS_LOG", str(files["sms"]))
    monkeypatch.setenv("ACCOUNTS_LOG", str(files["accounts"]))
    monkeypatch.setenv("VERIFY_TIMEOUT_SECONDS", "2")
    DBOS.destroy(destroy_registry=False)
    DBOS(config=verification.dbos_config())
    DBOS.reset_system_database(truncate=True)
    DBOS.launch()
    yield files
    DBOS.destroy(destroy_registry=False)


def wait_for_state(verification_id: str, expected: str, timeout: float = 10) -> None:
    """States change over time and get_event returns the latest one: poll until the expected one shows up."""
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        state = verification.verification_state(verification_id, wait_seconds=1)
        if state == expected:
            return
        time.sleep(0.05)
    raise AssertionError(f"state stayed {state!r}, expected {expected!r}")


def texted_code(files: dict, phone: str) -> str:
    wanted = [m for m in records(files["sms"]) if m["to"] == phone]
    assert len(wanted) == 1
    return re.search(r"\b(\d{6})\b", wanted[0]["text"]).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_correct_code_verifies_the_phone_once(signup):
    vid = verification.start_verification("u-1", "+15550001")
    wait_for_state(vid, "code_sent")
    verification.submit_code(vid, texted_code(signup, "+15550001"))
    wait_for_state(vid, "verified")
    assert records(signup["accounts"]) == [{"user_id": "u-1", "phone": "+15550001", "verified": True}]


def test_three_wrong_codes_lock_without_verifying(signup):
    vid = verification.start_verification("u-2", "+15550002")
    wait_for_state(vid, "code_sent")
    code = texted_code(signup, "+15550002")
    verification.submit_code(vid, wrong(code))
    wait_for_state(vid, "retry")
    verification.submit_code(vid, wrong(wrong(code)))
    verification.submit_code(vid, wrong(wrong(wrong(code))))
    wait_for_state(vid, "locked")
    verification.submit_code(vid, code)  # too late
    assert DBOS.retrieve_workflow(vid).get_result() == "locked"
    assert records(signup["accounts"]) == []


def test_correct_code_after_a_wrong_one_verifies(signup):
    vid = verification.start_verification("u-4", "+15550004")
    wait_for_state(vid, "code_sent")
    code = texted_code(signup, "+15550004")
    verification.submit_code(vid, wrong(code))
    wait_for_state(vid, "retry")
    verification.submit_code(vid, code)
    wait_for_state(vid, "verified")
    assert len(records(signup["accounts"])) == 1
