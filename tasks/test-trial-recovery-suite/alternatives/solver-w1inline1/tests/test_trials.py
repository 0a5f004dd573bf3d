"""Tests for the free trials (`trials.py`), run as the command the team runs: `python trials.py ACCOUNT EMAIL PLAN`.

Run from the repo root with `python -m pytest tests/`; needs `DBOS_SYSTEM_DATABASE_URL` (a database that
belongs to this suite: every test wipes it first, so trials left behind by earlier or killed runs can
neither be recovered into a test nor make an account look like it already had its trial).
"""

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dbos import DBOS  # noqa: E402

import plans  # noqa: E402
import trials  # noqa: E402

COMMAND_TIMEOUT = 90.0  # a hung command fails its test, well before CI's 4 minutes


@pytest.fixture()
def fresh_database() -> Iterator[None]:
    """Wipe the suite's system database (before any process of the test launches DBOS on it)."""
    DBOS.destroy()
    DBOS(config=trials.dbos_config())
    DBOS.reset_system_database()
    DBOS.destroy()
    yield


@pytest.fixture()
def logs(tmp_path: Path) -> dict[str, Path]:
    return {"billing": tmp_path / "billing.jsonl", "mail": tmp_path / "outbox.jsonl", "dir": tmp_path}


@pytest.fixture()
def account() -> str:
    return f"acct-{uuid.uuid4().hex[:10]}"


def command_env(logs: dict[str, Path], trial_seconds: float) -> dict[str, str]:
    env = dict(os.environ)
    env["BILLING_LOG"] = str(logs["billing"])
    env["MAILER_OUTBOX"] = str(logs["mail"])
    env["TRIAL_LENGTH_SECONDS"] = str(trial_seconds)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def command(account_id: str, email_address: str, plan: str) -> list[str]:
    return [sys.executable, "trials.py", account_id, email_address, plan]


def run_trial_command(env: dict[str, str], account_id: str, email_address: str, plan: str) -> tuple[dict, float]:
    """Run the command to completion; returns the outcome it printed and how long it took."""
    started = time.monotonic()
    proc = subprocess.run(
        command(account_id, email_address, plan),
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, f"exit {proc.returncode}\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    json_lines = [line for line in proc.stdout.splitlines() if line.strip().startswith("{")]
    assert json_lines, f"no JSON outcome printed\nstdout:\n{proc.stdout}\nstderr:\n{proc.stderr}"
    return json.loads(json_lines[-1]), elapsed


def read_jsonl(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def billing_events(logs: dict[str, Path], account_id: str, event: str) -> list[dict]:
    subscription_id = f"sub-{account_id}"
    return [
        r
        for r in read_jsonl(logs["billing"])
        if r["event"] == event and (r.get("account_id") == account_id or r.get("subscription_id") == subscription_id)
    ]


def emails(logs: dict[str, Path], to: str, template: str) -> list[dict]:
    return [m for m in read_jsonl(logs["mail"]) if m["to"] == to and m["template"] == template]


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def assert_converted_once(logs: dict[str, Path], account_id: str, email_address: str, plan: str) -> None:
    opened = billing_events(logs, account_id, "trial_opened")
    assert opened == [{"event": "trial_opened", "account_id": account_id, "plan": plan}]
    charged = billing_events(logs, account_id, "charged")
    assert charged == [
        {"event": "charged", "subscription_id": f"sub-{account_id}", "amount_cents": plans.PRICES_CENTS[plan]}
    ]
    assert emails(logs, email_address, "welcome") == [{"to": email_address, "template": "welcome", "plan": plan}]
    assert emails(logs, email_address, "receipt") == [
        {"to": email_address, "template": "receipt", "invoice_id": f"inv-sub-{account_id}"}
    ]
    assert len(read_jsonl(logs["mail"])) == 2
    assert len(read_jsonl(logs["billing"])) == 2


def converted(account_id: str) -> dict:
    return {"account_id": account_id, "status": "converted", "invoice_id": f"inv-sub-{account_id}"}


def test_trial_converts_at_the_end(fresh_database: None, logs: dict[str, Path], account: str) -> None:
    email_address = f"{account}@example.com"
    trial_seconds = 2.0

    outcome, elapsed = run_trial_command(command_env(logs, trial_seconds), account, email_address, "team")

    assert outcome == converted(account)
    assert elapsed >= trial_seconds  # charged only after the trial ran its length
    assert_converted_once(logs, account, email_address, "team")


def test_plan_price_is_charged(fresh_database: None, logs: dict[str, Path], account: str) -> None:
    email_address = f"{account}@example.com"

    outcome, _ = run_trial_command(command_env(logs, 0.5), account, email_address, "business")

    assert outcome == converted(account)
    assert_converted_once(logs, account, email_address, "business")


def test_running_again_for_the_same_account_starts_nothing_new(
    fresh_database: None, logs: dict[str, Path], account: str
) -> None:
    email_address = f"{account}@example.com"
    env = command_env(logs, 1.0)
    first, _ = run_trial_command(env, account, email_address, "starter")
    assert_converted_once(logs, account, email_address, "starter")

    again, _ = run_trial_command(env, account, email_address, "starter")
    # Even with other details, the account's one trial is the one we get.
    other, _ = run_trial_command(env, account, f"other-{email_address}", "business")

    assert first == again == other == converted(account)
    assert_converted_once(logs, account, email_address, "starter")
    assert emails(logs, f"other-{email_address}", "welcome") == []


def test_killed_trial_carries_on_when_run_again(fresh_database: None, logs: dict[str, Path], account: str) -> None:
    email_address = f"{account}@example.com"
    trial_seconds = 12.0
    env = command_env(logs, trial_seconds)

    out = (logs["dir"] / "killed.out").open("w")
    err = (logs["dir"] / "killed.err").open("w")
    proc = subprocess.Popen(command(account, email_address, "team"), cwd=REPO, env=env, stdout=out, stderr=err)
    try:
        wait_until(lambda: len(emails(logs, email_address, "welcome")) >= 1, "the welcome email")
        time.sleep(6.0)  # half-way through the trial
        assert proc.poll() is None, "the command ended before the trial did"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        out.close()
        err.close()
    assert proc.returncode == -signal.SIGKILL

    # Killed mid-trial: opened and welcomed, not charged.
    assert len(billing_events(logs, account, "trial_opened")) == 1
    assert len(emails(logs, email_address, "welcome")) == 1
    assert billing_events(logs, account, "charged") == []
    assert emails(logs, email_address, "receipt") == []

    outcome, elapsed = run_trial_command(env, account, email_address, "team")

    assert outcome == converted(account)
    assert_converted_once(logs, account, email_address, "team")
    # The trial carried on where it was: the run after the crash waited only for the rest of the trial.
    assert elapsed < trial_seconds - 1.0

    # And once converted, running the command again still changes nothing.
    again, _ = run_trial_command(env, account, email_address, "team")
    assert again == converted(account)
    assert_converted_once(logs, account, email_address, "team")
