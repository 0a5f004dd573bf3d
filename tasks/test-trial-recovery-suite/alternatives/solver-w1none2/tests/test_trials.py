"""Tests for the free trials (`trials.py`): conversion, one trial per account, recovery after a crash.

Run with `python -m pytest tests/` from the repo root; needs a Postgres database in DBOS_SYSTEM_DATABASE_URL.
The command is run as a subprocess (`python trials.py ACCOUNT_ID EMAIL PLAN`), exactly as in production, so
that a test can SIGKILL it in the middle of a trial. The suite wipes the DBOS system database once at the
start (it belongs to the suite), so trials left behind by earlier, possibly killed, runs are not recovered
into this run; account ids are also unique per run.
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from dbos import DBOS

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import plans  # noqa: E402
import trials  # noqa: E402

COMMAND_TIMEOUT = 90


@pytest.fixture(scope="session", autouse=True)
def clean_system_database():
    DBOS.destroy()
    DBOS(config=trials.dbos_config())
    DBOS.reset_system_database()
    DBOS.destroy()
    yield


@pytest.fixture()
def env(tmp_path):
    environment = dict(os.environ)
    environment["BILLING_LOG"] = str(tmp_path / "billing.jsonl")
    environment["MAILER_OUTBOX"] = str(tmp_path / "outbox.jsonl")
    environment["TRIAL_LENGTH_SECONDS"] = "1"
    environment["PYTHONUNBUFFERED"] = "1"
    return environment


# --- helpers -------------------------------------------------------------------------------------------


def new_account() -> tuple[str, str]:
    account_id = f"acct-{uuid.uuid4().hex[:12]}"
    return account_id, f"owner@{account_id}.example"


def command(account_id: str, email_address: str, plan: str) -> list[str]:
    return [sys.executable, "trials.py", account_id, email_address, plan]


def run_command(env: dict, account_id: str, email_address: str, plan: str) -> dict:
    done = subprocess.run(command(account_id, email_address, plan), cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, f"trials.py failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return parse_outcome(done.stdout)


def parse_outcome(stdout: str) -> dict:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                outcome = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(outcome, dict) and "account_id" in outcome:
                return outcome
    pytest.fail(f"no JSON outcome in the output:\n{stdout}")


def read_jsonl(path: str) -> list[dict]:
    p = Path(path)
    if not p.exists():
        return []
    return [json.loads(line) for line in p.read_text().splitlines() if line.strip()]


def trials_opened(env: dict, account_id: str) -> list[dict]:
    return [r for r in read_jsonl(env["BILLING_LOG"])
            if r["event"] == "trial_opened" and r["account_id"] == account_id]


def charges(env: dict, account_id: str) -> list[dict]:
    return [r for r in read_jsonl(env["BILLING_LOG"])
            if r["event"] == "charged" and r["subscription_id"] == f"sub-{account_id}"]


def emails(env: dict, email_address: str, template: str) -> list[dict]:
    return [r for r in read_jsonl(env["MAILER_OUTBOX"]) if r["to"] == email_address and r["template"] == template]


def assert_converted_once(env: dict, outcome: dict, account_id: str, email_address: str, plan: str) -> None:
    invoice_id = f"inv-sub-{account_id}"
    assert outcome == {"account_id": account_id, "status": "converted", "invoice_id": invoice_id}
    assert trials_opened(env, account_id) == [{"event": "trial_opened", "account_id": account_id, "plan": plan}]
    assert charges(env, account_id) == [{"event": "charged", "subscription_id": f"sub-{account_id}",
                                         "amount_cents": plans.PRICES_CENTS[plan]}]
    assert emails(env, email_address, "welcome") == [{"to": email_address, "template": "welcome", "plan": plan}]
    assert emails(env, email_address, "receipt") == [{"to": email_address, "template": "receipt",
                                                      "invoice_id": invoice_id}]


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


# --- tests ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("plan", ["starter", "business"])
def test_trial_converts_at_the_end(env, plan):
    account_id, email_address = new_account()

    outcome = run_command(env, account_id, email_address, plan)

    assert_converted_once(env, outcome, account_id, email_address, plan)


def test_trial_is_charged_only_after_the_trial_length(env):
    env["TRIAL_LENGTH_SECONDS"] = "4"
    account_id, email_address = new_account()

    proc = subprocess.Popen(command(account_id, email_address, "team"), cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: emails(env, email_address, "welcome"), 60, "the welcome email")
        welcomed_at = time.monotonic()
        assert trials_opened(env, account_id)
        time.sleep(1.5)
        assert charges(env, account_id) == [], "charged before the trial ended"
        assert emails(env, email_address, "receipt") == []
        stdout, stderr = proc.communicate(timeout=COMMAND_TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, stderr
    assert time.monotonic() - welcomed_at >= 3.5
    assert_converted_once(env, parse_outcome(stdout), account_id, email_address, "team")


def test_running_the_command_again_starts_nothing_new(env):
    account_id, email_address = new_account()
    first = run_command(env, account_id, email_address, "team")
    assert_converted_once(env, first, account_id, email_address, "team")

    again = run_command(env, account_id, email_address, "team")
    # An account gets one trial, ever — even when asked for another plan.
    other_plan = run_command(env, account_id, email_address, "business")

    assert again == first
    assert other_plan == first
    assert_converted_once(env, first, account_id, email_address, "team")


def test_trial_survives_the_process_being_killed(env):
    trial_seconds = 10.0
    env["TRIAL_LENGTH_SECONDS"] = str(trial_seconds)
    account_id, email_address = new_account()

    proc = subprocess.Popen(command(account_id, email_address, "team"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: emails(env, email_address, "welcome"), 60, "the welcome email")
        welcomed_at = time.monotonic()
        time.sleep(1.0)  # the trial is now running (the welcome step is recorded)
        assert proc.poll() is None, "the command ended before the trial did"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert len(trials_opened(env, account_id)) == 1
    assert charges(env, account_id) == []
    assert emails(env, email_address, "receipt") == []

    # Let the trial's original end pass while no process runs it.
    time.sleep(max(0.0, welcomed_at + trial_seconds + 0.5 - time.monotonic()))

    started = time.monotonic()
    outcome = run_command(env, account_id, email_address, "team")
    elapsed = time.monotonic() - started

    assert_converted_once(env, outcome, account_id, email_address, "team")
    # The trial carried on where it was: it is not started over for another full trial length.
    assert elapsed < trial_seconds - 2, f"the trial seems to have restarted ({elapsed:.1f} s)"

    # And once converted, yet another run changes nothing.
    assert run_command(env, account_id, email_address, "team") == outcome
    assert_converted_once(env, outcome, account_id, email_address, "team")


def test_killed_trial_resumed_before_its_end_still_waits_and_converts(env):
    trial_seconds = 5.0
    env["TRIAL_LENGTH_SECONDS"] = str(trial_seconds)
    account_id, email_address = new_account()

    proc = subprocess.Popen(command(account_id, email_address, "starter"), cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: emails(env, email_address, "welcome"), 60, "the welcome email")
        time.sleep(0.5)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert charges(env, account_id) == []

    outcome = run_command(env, account_id, email_address, "starter")

    assert_converted_once(env, outcome, account_id, email_address, "starter")
