"""Signups are onboarded side by side: account + welcome now, tips after TIPS_DELAY_S, once each,
also when the worker is killed during the wait and when it comes back from a deploy that changed onboard.py."""

import json
import os
import signal
import subprocess
import time

import pytest

from dbos_evalkit import WORKSPACE, read_jsonl, run_program, start_program, wait_until

HEADER = "email,company,plan\n"


def signup_file(name: str, rows: list[str]) -> str:
    folder = WORKSPACE / "signups-test"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(HEADER + "".join(row + "\n" for row in rows))
    return f"signups-test/{name}"


def env_for(name: str, delay: str) -> dict[str, str]:
    # One executor id per file: a restart recovers only that file's workflows, never another test's.
    return {"ACCOUNTS_LOG": f"accounts-{name}.jsonl", "MAILER_OUTBOX": f"outbox-{name}.jsonl",
            "TIPS_DELAY_S": delay, "DBOS__VMID": f"onboard-{name}"}


def mails(name: str, template: str) -> list[dict]:
    return [m for m in read_jsonl(f"outbox-{name}.jsonl") if m["template"] == template]


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_every_signup_gets_an_account_a_welcome_and_later_the_tips():
    rows = ["ana@acme.test,Acme,team", "spam@example.invalid,Nope,team", "bo@globex.test,Globex,business",
            "cy@initech.test,Initech,team"]
    path = signup_file("basic.csv", rows)
    done = run_program("onboard.py", path, env=env_for("basic", "1.5"), timeout=60)
    assert done.returncode == 0, done.stderr[-3000:]
    assert summary_of(done.stdout) == {"file": "basic.csv", "onboarded": 3, "failed": ["spam@example.invalid"]}
    emails = ["ana@acme.test", "bo@globex.test", "cy@initech.test"]
    assert sorted(a["email"] for a in read_jsonl("accounts-basic.jsonl")) == emails
    welcome = {m["to"]: m for m in mails("basic", "welcome")}
    tips = {m["to"]: m for m in mails("basic", "getting-started-tips")}
    assert sorted(welcome) == emails and sorted(tips) == emails, "a rejected signup held up the others"
    assert len(mails("basic", "welcome")) == 3 and len(mails("basic", "getting-started-tips")) == 3
    for email in emails:
        waited = tips[email]["sent_at"] - welcome[email]["sent_at"]
        assert waited >= 1.4, f"tips for {email} came {waited:.2f}s after the welcome, expected 1.5s"
    # side by side: the three waits overlap instead of adding up
    assert max(t["sent_at"] for t in tips.values()) - min(w["sent_at"] for w in welcome.values()) < 4.0


def test_worker_killed_during_the_wait_still_sends_every_tip_once():
    rows = ["fay@wayne.test,Wayne,team", "gus@stark.test,Stark,business", "hal@tyrell.test,Tyrell,team"]
    path = signup_file("restart.csv", rows)
    env = env_for("restart", "3")
    first = start_program("onboard.py", path, env=env, log="onboard-restart-1.log")
    try:
        wait_until(lambda: len(mails("restart", "welcome")) == 3 or first.poll() is not None, timeout=40,
                   message="the welcome emails")
        assert first.poll() is None, (WORKSPACE / "onboard-restart-1.log").read_text()[-3000:]
        welcomed_at = max(m["sent_at"] for m in mails("restart", "welcome"))
        # crash a second into the wait (never between an email and its checkpoint)
        wait_until(lambda: time.time() > welcomed_at + 1.0, timeout=10, message="a second into the wait")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert mails("restart", "getting-started-tips") == []

    again = run_program("onboard.py", path, env=env, timeout=60)
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary_of(again.stdout) == {"file": "restart.csv", "onboarded": 3, "failed": []}
    assert len(read_jsonl("accounts-restart.jsonl")) == 3, "accounts were created again after the restart"
    assert len(mails("restart", "welcome")) == 3, "welcome emails were sent again after the restart"
    tips = {m["to"]: m for m in mails("restart", "getting-started-tips")}
    assert sorted(tips) == sorted(r.split(",")[0] for r in rows)
    assert len(mails("restart", "getting-started-tips")) == 3, "a tips email went out twice"
    for welcome in mails("restart", "welcome"):
        waited = tips[welcome["to"]]["sent_at"] - welcome["sent_at"]
        assert waited >= 2.9, f"tips for {welcome['to']} came {waited:.2f}s after the welcome, expected 3s"


# What a deploy ships: a new feature in onboard.py, here one more workflow (the prompt says deploys change
# onboard.py while onboardings wait). It goes before the `__main__` block so it is registered like the rest.
RELEASE = """
# --- release 2024-10-02: partner digests (shipped by the deploy) ---
import dbos as _release_dbos  # noqa: E402


@_release_dbos.DBOS.workflow(name="release_2024_10_02_partner_digest")
def release_2024_10_02_partner_digest(partner: str) -> str:
    return f"digest for {partner}"


"""


def deploy_new_release() -> str:
    """Edit onboard.py as a deploy would; returns the old source, to put back afterwards."""
    module = WORKSPACE / "onboard.py"
    old = module.read_text()
    lines = old.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.startswith("if __name__")), len(lines))
    module.write_text("".join(lines[:at]) + RELEASE + "".join(lines[at:]))
    return old


def test_a_deploy_during_the_wait_still_sends_every_tip_once():
    rows = ["ida@umbrella.test,Umbrella,team", "jo@cyberdyne.test,Cyberdyne,business"]
    path = signup_file("deploy.csv", rows)
    env = env_for("deploy", "4")
    first = start_program("onboard.py", path, env=env, log="onboard-deploy-1.log")
    try:
        wait_until(lambda: len(mails("deploy", "welcome")) == 2 or first.poll() is not None, timeout=40,
                   message="the welcome emails")
        assert first.poll() is None, (WORKSPACE / "onboard-deploy-1.log").read_text()[-3000:]
        welcomed_at = max(m["sent_at"] for m in mails("deploy", "welcome"))
        wait_until(lambda: time.time() > welcomed_at + 1.0, timeout=10, message="a second into the wait")
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    assert mails("deploy", "getting-started-tips") == []

    old_source = deploy_new_release()
    try:
        again = run_program("onboard.py", path, env=env, timeout=45)
    except subprocess.TimeoutExpired:
        pytest.fail("after a deploy that changed onboard.py, `python onboard.py deploy.csv` never finished the "
                    "batch that was waiting (in-flight onboardings were not resumed by the new code)")
    finally:
        (WORKSPACE / "onboard.py").write_text(old_source)
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary_of(again.stdout) == {"file": "deploy.csv", "onboarded": 2, "failed": []}
    assert len(read_jsonl("accounts-deploy.jsonl")) == 2, "accounts were created again after the deploy"
    assert len(mails("deploy", "welcome")) == 2, "welcome emails were sent again after the deploy"
    tips = [m["to"] for m in mails("deploy", "getting-started-tips")]
    assert sorted(tips) == sorted(r.split(",")[0] for r in rows), f"tips after the deploy went to {tips}"
