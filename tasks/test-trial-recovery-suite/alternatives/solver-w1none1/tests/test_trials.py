"""Tests of the free trials (`trials.py`), driving `python trials.py ACCOUNT_ID EMAIL PLAN` as the real
command (in a subprocess, so that it can be SIGKILLed mid-trial) against the Postgres database named by
`DBOS_SYSTEM_DATABASE_URL`, which is wiped at the start of every run."""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

import pytest
from dbos import DBOS

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import plans  # noqa: E402
import trials  # noqa: E402

COMMAND_TIMEOUT = 60  # seconds; one command (start-up + trial) must finish well within this


# --------------------------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session", autouse=True)
def wiped_database():
    """Earlier (possibly killed) runs leave trials behind in the database; a command would recover them.
    Start every run from an empty system database."""
    DBOS(config=trials.dbos_config())
    DBOS.reset_system_database()
    DBOS.destroy()
    yield


@pytest.fixture
def env(tmp_path):
    account_id = f"acct-{uuid.uuid4().hex[:12]}"
    return SimpleNamespace(
        billing_log=tmp_path / "billing.jsonl",
        outbox=tmp_path / "outbox.jsonl",
        account_id=account_id,
        email=f"{account_id}@example.com",
        tmp_path=tmp_path,
    )


# --------------------------------------------------------------------------------------------- helpers


def command_env(env, trial_seconds: float) -> dict:
    return {
        **os.environ,
        "BILLING_LOG": str(env.billing_log),
        "MAILER_OUTBOX": str(env.outbox),
        "TRIAL_LENGTH_SECONDS": str(trial_seconds),
        "PYTHONUNBUFFERED": "1",
    }


def command(env, plan: str) -> list[str]:
    return [sys.executable, "trials.py", env.account_id, env.email, plan]


def run_command(env, plan: str, trial_seconds: float) -> dict:
    """Runs the command to completion; returns the outcome it printed."""
    done = subprocess.run(command(env, plan), cwd=ROOT, env=command_env(env, trial_seconds),
                          capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, f"command failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    return parse_outcome(done.stdout, done.stderr)


def start_command(env, plan: str, trial_seconds: float) -> subprocess.Popen:
    return subprocess.Popen(command(env, plan), cwd=ROOT, env=command_env(env, trial_seconds),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def parse_outcome(stdout: str, stderr: str = "") -> dict:
    for line in reversed(stdout.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                return json.loads(line)
            except json.JSONDecodeError:
                continue
    pytest.fail(f"the command printed no JSON outcome:\n{stdout}\n{stderr}")


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def trials_opened(env) -> list[dict]:
    return [r for r in read_jsonl(env.billing_log)
            if r.get("event") == "trial_opened" and r.get("account_id") == env.account_id]


def charges(env) -> list[dict]:
    return [r for r in read_jsonl(env.billing_log)
            if r.get("event") == "charged" and r.get("subscription_id") == f"sub-{env.account_id}"]


def emails(env, template: str) -> list[dict]:
    return [r for r in read_jsonl(env.outbox) if r.get("to") == env.email and r.get("template") == template]


def wait_for_welcome(env, proc: subprocess.Popen, timeout: float = COMMAND_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while not emails(env, "welcome"):
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"the command exited ({proc.returncode}) before the trial started:\n{out}\n{err}")
        if time.monotonic() > deadline:
            kill(proc)
            pytest.fail("the trial did not start (no welcome email)")
        time.sleep(0.05)


def kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=COMMAND_TIMEOUT)


def assert_converted_once(env, outcome: dict, plan: str) -> None:
    assert outcome.get("account_id") == env.account_id
    assert outcome.get("status") == "converted"

    opened = trials_opened(env)
    assert len(opened) == 1, f"trial opened {len(opened)} times"
    assert opened[0]["plan"] == plan

    assert len(emails(env, "welcome")) == 1, "welcome email must go out exactly once"

    charged = charges(env)
    assert len(charged) == 1, f"charged {len(charged)} times"
    assert charged[0]["amount_cents"] == plans.PRICES_CENTS[plan]

    receipts = emails(env, "receipt")
    assert len(receipts) == 1, "receipt must go out exactly once"
    assert outcome.get("invoice_id")
    assert receipts[0].get("invoice_id") == outcome["invoice_id"]

    # The welcome comes before the receipt.
    templates = [r["template"] for r in read_jsonl(env.outbox) if r.get("to") == env.email]
    assert templates == ["welcome", "receipt"]


# --------------------------------------------------------------------------------------------- tests


def test_trial_converts_at_the_end(env):
    trial_seconds = 2
    started = time.monotonic()
    outcome = run_command(env, "team", trial_seconds)
    elapsed = time.monotonic() - started

    assert_converted_once(env, outcome, "team")
    assert elapsed >= trial_seconds, "the first month must not be charged before the trial is over"


def test_charge_uses_the_plans_price(env):
    outcome = run_command(env, "business", 0.5)
    assert_converted_once(env, outcome, "business")
    assert charges(env)[0]["amount_cents"] == plans.PRICES_CENTS["business"]


def test_nothing_is_charged_while_the_trial_runs(env):
    proc = start_command(env, "starter", 4)
    try:
        wait_for_welcome(env, proc)
        time.sleep(1.5)
        assert proc.poll() is None, "the command must wait for the trial to end"
        assert len(trials_opened(env)) == 1
        assert charges(env) == []
        assert emails(env, "receipt") == []
        out, err = proc.communicate(timeout=COMMAND_TIMEOUT)
    finally:
        if proc.poll() is None:
            kill(proc)
    assert proc.returncode == 0, f"command failed ({proc.returncode}):\n{out}\n{err}"
    assert_converted_once(env, parse_outcome(out, err), "starter")


def test_running_the_command_again_for_the_same_account_starts_nothing_new(env):
    first = run_command(env, "starter", 0.5)
    assert_converted_once(env, first, "starter")

    again = run_command(env, "starter", 0.5)
    assert again == first
    assert_converted_once(env, again, "starter")

    # Not even with another plan: an account gets one trial, ever.
    other_plan = run_command(env, "business", 0.5)
    assert other_plan == first
    assert_converted_once(env, other_plan, "starter")


def test_killed_while_the_trial_runs_then_run_again_converts_once(env):
    trial_seconds = 6
    proc = start_command(env, "team", trial_seconds)
    try:
        wait_for_welcome(env, proc)
        welcomed = time.monotonic()
        time.sleep(1.0)  # mid-trial (and the welcome step is long checkpointed)
        assert proc.poll() is None
    finally:
        kill(proc)  # SIGKILL: the worker dies in the middle of the trial

    assert len(trials_opened(env)) == 1
    assert len(emails(env, "welcome")) == 1
    assert charges(env) == [] and emails(env, "receipt") == []

    outcome = run_command(env, "team", trial_seconds)
    assert_converted_once(env, outcome, "team")
    assert time.monotonic() - welcomed >= trial_seconds - 1, "the trial must still run its full length"

    # And the trial is over for good: running the command once more changes nothing.
    assert run_command(env, "team", trial_seconds) == outcome
    assert_converted_once(env, outcome, "team")


def test_killed_and_run_again_after_the_trial_should_have_ended_converts_once(env):
    trial_seconds = 3
    proc = start_command(env, "starter", trial_seconds)
    try:
        wait_for_welcome(env, proc)
        time.sleep(0.5)
    finally:
        kill(proc)
    assert charges(env) == []

    time.sleep(trial_seconds)  # the worker stays dead past the end of the trial

    outcome = run_command(env, "starter", trial_seconds)
    assert_converted_once(env, outcome, "starter")
