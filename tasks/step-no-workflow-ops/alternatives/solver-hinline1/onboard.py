"""Onboard a partner's batch of signups (a CSV export: email,company,plan).

    python onboard.py <signups.csv>

Every signup gets an account and a welcome email right away, then a "getting started" tips email
TIPS_DELAY_S seconds later (default: two days). Signups are onboarded side by side, and one bad signup
does not hold up the others. Prints a summary when every signup is done.

Onboarding is durable (DBOS, system database in DBOS_SYSTEM_DATABASE_URL): the batch is a workflow
whose ID is derived from the file, and each signup is a child workflow that waits for its tips email
with a durable sleep. After a crash, restart or deploy, running the command again for the same file
finishes the batch: nobody gets a second account or email, and tips go out when they were due.
"""

import csv
import hashlib
import io
import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import mailer

TIPS_DELAY_S = float(os.environ.get("TIPS_DELAY_S", str(2 * 24 * 3600)))

# Pinned so that a new release recovers the onboardings started (and still waiting) under the old one.
# Breaking changes to the workflows below (steps added, removed or reordered) must use DBOS.patch().
APP_VERSION = "1"


@DBOS.step()
def create_account(email: str, company: str, plan: str) -> str | None:
    """Create the account; returns its id, or None when the accounts service rejects the signup."""
    try:
        return accounts.create_account(email, company, plan)
    except accounts.InvalidSignup:
        return None


@DBOS.step()
def send_welcome(email: str, account_id: str, company: str) -> None:
    mailer.send(email, "welcome", account_id=account_id, company=company)


@DBOS.step()
def send_tips(email: str, account_id: str, plan: str) -> None:
    mailer.send(email, "getting-started-tips", account_id=account_id, plan=plan)


@DBOS.workflow()
def onboard_customer(email: str, company: str, plan: str, tips_delay_s: float) -> str | None:
    """Onboard one signup; returns the account id, or None if the signup was rejected."""
    account_id = create_account(email, company, plan)
    if account_id is None:
        return None
    send_welcome(email, account_id, company)
    DBOS.sleep(tips_delay_s)  # durable: after a restart only the remaining time is waited
    send_tips(email, account_id, plan)
    return account_id


@DBOS.workflow()
def onboard_batch(file_name: str, signups: list[dict], tips_delay_s: float) -> dict:
    # One child workflow per signup, all running at once: the waits overlap.
    handles = [
        DBOS.start_workflow(onboard_customer, s["email"], s["company"], s["plan"], tips_delay_s)
        for s in signups
    ]
    failed = [s["email"] for s, h in zip(signups, handles) if h.get_result() is None]
    return {"file": file_name, "onboarded": len(signups) - len(failed), "failed": failed}


def read_signups(content: str) -> list[dict]:
    return [
        {"email": row["email"], "company": row["company"], "plan": row["plan"]}
        for row in csv.DictReader(io.StringIO(content))
    ]


def onboard_file(path: str) -> dict:
    """Onboard the file (or finish/look up its batch if it was started before); returns the summary."""
    with open(path, newline="") as f:
        content = f.read()
    file_name = os.path.basename(path)
    digest = hashlib.sha256(content.encode()).hexdigest()[:16]
    workflow_id = f"onboard-{file_name}-{digest}"

    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and status.status in ("PENDING", "ENQUEUED"):
        # Interrupted batch: DBOS.launch() recovers it (and its signups) in the background.
        handle = DBOS.retrieve_workflow(workflow_id)
    else:
        # New batch, or one that already finished (its recorded summary is returned).
        with SetWorkflowID(workflow_id):
            handle = DBOS.start_workflow(onboard_batch, file_name, read_signups(content), TIPS_DELAY_S)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python onboard.py <signups.csv>")
    config: DBOSConfig = {
        "name": "partner-onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = onboard_file(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
