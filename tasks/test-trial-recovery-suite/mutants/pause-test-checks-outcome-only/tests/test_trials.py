"""Tests for the free trials (run with `python -m pytest tests/` from the repo root).

The trial command runs as a subprocess, as in production: a recovery test has to kill a real process. (An
in-process DBOS.destroy() does not stop the workflow's thread, which would go on and run the trial too.)
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dbos import DBOS, DBOSClient

import trials

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_database():
    """Wipe what earlier CI runs left in the database (trials are keyed by account id)."""
    DBOS.destroy(destroy_registry=False)
    DBOS(config=trials.dbos_config())
    DBOS.reset_system_database(truncate=True)
    DBOS.destroy(destroy_registry=False)


@pytest.fixture()
def logs(tmp_path):
    return {"BILLING_LOG": str(tmp_path / "billing.jsonl"), "MAILER_OUTBOX": str(tmp_path / "outbox.jsonl")}


def records(path: str) -> list[dict]:
    file = Path(path)
    return [json.loads(line) for line in file.read_text().splitlines()] if file.exists() else []


def command(logs: dict, *args: str, trial_seconds: str = "2") -> list:
    return [sys.executable, "trials.py", *args], {**os.environ, **logs, "TRIAL_LENGTH_SECONDS": trial_seconds}


def run(logs: dict, *args: str, trial_seconds: str = "2") -> dict:
    argv, env = command(logs, *args, trial_seconds=trial_seconds)
    done = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_converted_once(logs: dict, account: str, email: str, price: int) -> None:
    assert [r["event"] for r in records(logs["BILLING_LOG"])] == ["trial_opened", "charged"]
    assert records(logs["BILLING_LOG"])[1]["amount_cents"] == price
    assert sorted(m["template"] for m in records(logs["MAILER_OUTBOX"]) if m["to"] == email) == ["receipt", "welcome"]
    assert len(records(logs["MAILER_OUTBOX"])) == 2


def test_trial_converts_at_the_end(logs):
    outcome = run(logs, "acct-1", "ada@example.com", "team")
    assert outcome["status"] == "converted" and outcome["account_id"] == "acct-1"
    assert_converted_once(logs, "acct-1", "ada@example.com", 4900)


def test_running_the_command_again_starts_no_second_trial(logs):
    first = run(logs, "acct-2", "bob@example.com", "starter")
    again = run(logs, "acct-2", "bob@example.com", "starter")
    assert again == first
    assert_converted_once(logs, "acct-2", "bob@example.com", 1900)


def wait_until_sleeping(workflow_id: str, timeout: float = 30) -> None:
    """Until the workflow's durable sleep has started: its earlier steps are checkpointed by then, so a kill
    lands during the wait and never between an email going out and its checkpoint."""
    client = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("sleep" in step["function_name"] for step in client.list_workflow_steps(workflow_id)):
                return
            time.sleep(0.05)
        raise AssertionError(f"{workflow_id} never reached its trial wait")
    finally:
        client.destroy()


def test_trial_survives_the_process_being_killed_mid_trial(logs):
    argv, env = command(logs, "acct-3", "cy@example.com", "business", trial_seconds="4")
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_sleeping("trial-acct-3")  # the workflow id trials.start_trial gives an account's trial
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=10) == -signal.SIGKILL
    assert [r["event"] for r in records(logs["BILLING_LOG"])] == ["trial_opened"]  # killed during the wait

    outcome = run(logs, "acct-3", "cy@example.com", "business", trial_seconds="4")
    assert outcome["status"] == "converted"
    assert_converted_once(logs, "acct-3", "cy@example.com", 12900)


def test_a_paused_trial_charges_nothing_until_resumed_then_converts_once(logs):
    trial_seconds = 8
    argv, env = command(logs, "acct-4", "di@example.com", "team", trial_seconds=str(trial_seconds))
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    wait_until_sleeping("trial-acct-4")

    assert run(logs, "pause", "acct-4")["status"] == "paused"
    out, _ = proc.communicate(timeout=60)
    assert json.loads(out.strip().splitlines()[-1])["status"] == "paused"  # the waiting command is told
    time.sleep(max(0.0, started + trial_seconds + 2 - time.monotonic()))  # past the trial's end, still paused
    assert [r["event"] for r in records(logs["BILLING_LOG"])] == ["trial_opened"]
    assert [m["template"] for m in records(logs["MAILER_OUTBOX"])] == ["welcome"]

    outcome = run(logs, "resume", "acct-4")
    assert outcome["status"] == "converted" and outcome["account_id"] == "acct-4"
    assert "charged" in [r["event"] for r in records(logs["BILLING_LOG"])]
