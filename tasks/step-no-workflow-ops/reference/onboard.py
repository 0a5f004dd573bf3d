"""Onboard a partner's batch of signups (a CSV export: email,company,plan).

    python onboard.py <signups.csv>

Every signup gets an account and a welcome email right away, then a "getting started" tips email
TIPS_DELAY_S seconds later (default: two days). Signups are onboarded side by side, and one bad signup
does not hold up the others. Prints a summary when every signup is done.

The batch is a DBOS workflow (its id is the file name) that starts one child workflow per signup; the
wait before the tips email is a durable DBOS sleep, so a restart in the middle resumes every onboarding
where it stopped and the tips still go out on time, once.
"""

import csv
import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import mailer

TIPS_DELAY_S = float(os.environ.get("TIPS_DELAY_S", str(2 * 24 * 3600)))


@DBOS.step()
def read_signups(path: str) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@DBOS.step()
def create_account(signup: dict) -> str:
    return accounts.create_account(signup["email"], signup["company"], signup["plan"])


@DBOS.step()
def send_welcome(signup: dict, account_id: str) -> None:
    mailer.send(signup["email"], "welcome", account_id=account_id, company=signup["company"])


@DBOS.step()
def send_tips(signup: dict, account_id: str) -> None:
    mailer.send(signup["email"], "getting-started-tips", account_id=account_id, plan=signup["plan"])


@DBOS.workflow()
def onboard_customer(signup: dict, tips_delay_s: float) -> str:
    account_id = create_account(signup)
    send_welcome(signup, account_id)
    DBOS.sleep(tips_delay_s)
    send_tips(signup, account_id)
    return account_id


@DBOS.workflow()
def onboard_batch(path: str, tips_delay_s: float) -> dict:
    signups = read_signups(path)
    # Child workflows are started from the workflow body (never from a step), so they run side by side
    # and a recovered batch re-attaches to the same children instead of starting new ones.
    handles = [DBOS.start_workflow(onboard_customer, signup, tips_delay_s) for signup in signups]
    failed = []
    for signup, handle in zip(signups, handles):
        try:
            handle.get_result()
        except accounts.InvalidSignup:
            failed.append(signup["email"])
    return {"file": os.path.basename(path), "onboarded": len(signups) - len(failed), "failed": failed}


def onboard_file(path: str) -> dict:
    with SetWorkflowID(f"onboard-{os.path.basename(path)}"):
        return onboard_batch(path, TIPS_DELAY_S)


def main() -> None:
    # The version is pinned, so a deploy that edits this file still recovers and resumes the onboardings
    # that were waiting (a version computed from the workflows' source would change with every edit).
    config: DBOSConfig = {
        "name": "onboarding",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "onboarding-3",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(onboard_file(sys.argv[1])))


if __name__ == "__main__":
    main()
