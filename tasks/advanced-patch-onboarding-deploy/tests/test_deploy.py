"""A deploy of the new release while users are in the middle of onboarding.

The old release (tests/old_release/, the starting app's worker) onboards a user until the wait and is
killed; the new release (the solution's worker) starts on the same host, finishes that user the old way and
onboards new signups the new way.
"""

import os
import signal
from pathlib import Path

import pytest
from dbos import DBOSClient
from dbos_evalkit import (
    WORKSPACE, assert_crashed_at_drill, database_url, read_jsonl, sql, start_program, wait_until,
)

OLD_RELEASE = str(Path(__file__).parent / "old_release" / "onboarding_worker.py")
EXECUTOR = "onboarding-host-1"


@pytest.fixture
def client():
    c = DBOSClient(system_database_url=database_url())
    yield c
    c.destroy()


@pytest.fixture
def workers():
    started = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def signup(client: DBOSClient, user_id: str) -> None:
    client.enqueue({"workflow_name": "onboard_user", "queue_name": "onboarding",
                    "workflow_id": f"onboard-{user_id}"}, user_id)


def effects(user_id: str) -> dict[str, list]:
    return {
        "kyc": [r["verified"] for r in read_jsonl("kyc_checks.jsonl") if r["user_id"] == user_id],
        "workspaces": [r["workspace"] for r in read_jsonl("workspaces.jsonl") if r["user_id"] == user_id],
        "emails": sorted(r["template"] for r in read_jsonl("emails.jsonl") if r["user_id"] == user_id),
        "crm": [r["campaign"] for r in read_jsonl("crm.jsonl") if r["user_id"] == user_id],
    }


def status(user_id: str) -> str | None:
    rows = sql("SELECT status FROM dbos.workflow_status WHERE workflow_uuid = %s", (f"onboard-{user_id}",))
    return rows[0][0] if rows else None


def sleeping(user_id: str) -> bool:
    """The old release's workflow has checkpointed its durable wait (so the deploy lands during the wait)."""
    return bool(sql("SELECT 1 FROM dbos.operation_outputs WHERE workflow_uuid = %s AND function_name = 'DBOS.sleep'",
                    (f"onboard-{user_id}",)))


def finished(*user_ids: str):
    def check():
        states = {u: status(u) for u in user_ids}
        return states if all(s in ("SUCCESS", "ERROR", "CANCELLED") for s in states.values()) else None
    return check


def test_users_in_flight_finish_the_old_way_and_new_signups_go_the_new_way(client, workers):
    old = start_program(OLD_RELEASE, env={"PYTHONPATH": str(WORKSPACE), "TIPS_DELAY_S": "5"},
                        log="old_release.log", executor=EXECUTOR)
    workers.append(old)
    signup(client, "u-early")
    wait_until(lambda: "welcome" in effects("u-early")["emails"] and sleeping("u-early"), timeout=30,
               message="the old release to send u-early's welcome email and start the wait")
    os.killpg(old.pid, signal.SIGKILL)  # the deploy
    old.wait()
    assert_crashed_at_drill(old, "emails.jsonl")
    assert status("u-early") == "PENDING"

    new = start_program("onboarding_worker.py", env={"TIPS_DELAY_S": "1"}, log="new_release.log",
                        executor=EXECUTOR)
    workers.append(new)
    signup(client, "u-late")
    signup(client, "u-fraud-7")
    states = wait_until(finished("u-early", "u-late", "u-fraud-7"), timeout=45,
                        message="the three onboardings to finish after the deploy")
    log = (WORKSPACE / "new_release.log").read_text()[-3000:]
    assert states["u-early"] == "SUCCESS", f"a user in flight at the deploy got stuck or failed: {states}\n{log}"
    assert states["u-late"] == "SUCCESS", f"{states}\n{log}"
    # the rejected signup stops after the kyc_failed email; whether that ends in SUCCESS or ERROR is not fixed

    assert effects("u-early") == {"kyc": [], "workspaces": ["ws-u-early"], "emails": ["tips", "welcome"],
                                  "crm": []}, "a user in flight at the deploy did not finish the old way"
    assert effects("u-late") == {"kyc": [True], "workspaces": ["ws-u-late"], "emails": ["welcome"],
                                 "crm": ["drip-2025"]}, "a signup on the new release did not go the new way"
    assert effects("u-fraud-7") == {"kyc": [False], "workspaces": [], "emails": ["kyc_failed"], "crm": []}
