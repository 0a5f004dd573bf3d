"""Onboard a partner's batch of signups (a CSV export: email,company,plan).

    python onboard.py <signups.csv>

Every signup gets an account and a welcome email right away, then a "getting started" tips email
TIPS_DELAY_S seconds later (default: two days). Signups are onboarded side by side, and one bad signup
does not hold up the others. Prints a summary when every signup is done.

Onboarding is durable (DBOS, system database in DBOS_SYSTEM_DATABASE_URL): the batch is a workflow with
ID ``onboard-<file name>`` and every signup a child workflow of it. After a crash, restart or deploy,
running the command again for the same file finishes the batch where it stopped - nobody gets a second
account or email, and tips go out when they were due.
"""

import csv
import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import mailer

TIPS_DELAY_S = float(os.environ.get("TIPS_DELAY_S", str(2 * 24 * 3600)))

# Pinned so that a restart into a new release recovers (and finishes) the onboardings started by the
# previous one. Only change it for a release that must not pick up in-flight onboardings.
APPLICATION_VERSION = "1.0.0"


@DBOS.step()
def create_account(signup: dict) -> str:
    return accounts.create_account(signup["email"], signup["company"], signup["plan"])


@DBOS.step()
def send_welcome_email(signup: dict, account_id: str) -> None:
    mailer.send(signup["email"], "welcome", account_id=account_id, company=signup["company"])


@DBOS.step()
def send_tips_email(signup: dict, account_id: str) -> None:
    mailer.send(signup["email"], "getting-started-tips", account_id=account_id, plan=signup["plan"])


@DBOS.workflow()
def onboard_customer(signup: dict) -> str:
    account_id = create_account(signup)  # raises accounts.InvalidSignup for a rejected signup
    send_welcome_email(signup, account_id)
    DBOS.sleep(TIPS_DELAY_S)  # durable: after a restart only the remaining time is waited
    send_tips_email(signup, account_id)
    return account_id


@DBOS.workflow()
def onboard_batch(file_name: str, signups: list[dict]) -> dict:
    # One child workflow per signup, all started before waiting on any: they run (and wait) side by side.
    handles = [DBOS.start_workflow(onboard_customer, signup) for signup in signups]
    failed = []
    for signup, handle in zip(signups, handles):
        try:
            handle.get_result()
        except accounts.InvalidSignup:
            failed.append(signup["email"])
    return {"file": file_name, "onboarded": len(signups) - len(failed), "failed": failed}


def onboard_file(path: str) -> dict:
    """Onboard the file's signups, or finish (or report) the batch already started for this file."""
    file_name = os.path.basename(path)
    workflow_id = f"onboard-{file_name}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: DBOS.launch() recovers it if it was interrupted; if it finished,
        # this returns its recorded summary.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with open(path, newline="") as f:
        signups = [dict(row) for row in csv.DictReader(f)]
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(onboard_batch, file_name, signups)
    return handle.get_result()


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: python onboard.py <signups.csv>")
    config: DBOSConfig = {
        "name": "partner-onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
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
