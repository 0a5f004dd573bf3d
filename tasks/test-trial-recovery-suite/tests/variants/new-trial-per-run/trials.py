"""Free trials of our SaaS plans, on DBOS.

    python trials.py ACCOUNT_ID EMAIL PLAN     start the account's trial (or attach to it) and wait for its end
    python trials.py pause ACCOUNT_ID          support: pause the account's trial (e.g. a billing dispute)
    python trials.py resume ACCOUNT_ID         support: let a paused trial carry on, and wait for its end

A trial: the trial subscription is opened, a welcome email goes out, then the trial runs for its length
(`plans.trial_length_seconds()`), then the first month is charged and a receipt emailed. Each command prints
the outcome as JSON: `converted` (with the invoice) or `paused`. An account gets one trial, ever: running the
command again for it attaches to that trial. If the process dies while a trial runs, running the command
again picks the trial up where it was. Pausing stops the trial where it is (nothing more is charged or sent
while it is paused); resuming carries on from there, it never starts the trial over.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle
from dbos import error as dbos_errors

import billing
import mailer
import plans


def dbos_config() -> DBOSConfig:
    return {
        "name": "saas-trials",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2025.04.2",
    }


@DBOS.step()
def open_trial(account_id: str, plan: str) -> str:
    return billing.open_trial(account_id, plan)


@DBOS.step()
def email(to: str, template: str, **fields: str) -> None:
    mailer.send(to, template, **fields)


@DBOS.step()
def charge_first_month(subscription_id: str, plan: str) -> str:
    return billing.charge(subscription_id, plans.PRICES_CENTS[plan])


@DBOS.workflow()
def run_trial(account_id: str, email_address: str, plan: str, trial_seconds: float) -> dict:
    subscription_id = open_trial(account_id, plan)
    email(email_address, "welcome", plan=plan)
    DBOS.sleep(trial_seconds)
    invoice_id = charge_first_month(subscription_id, plan)
    email(email_address, "receipt", invoice_id=invoice_id)
    return {"account_id": account_id, "status": "converted", "invoice_id": invoice_id}


def trial_workflow_id(account_id: str) -> str:
    return f"trial-{account_id}"


def start_trial(account_id: str, email_address: str, plan: str) -> WorkflowHandle[dict]:
    return DBOS.start_workflow(run_trial, account_id, email_address, plan, plans.trial_length_seconds())


def pause_trial(account_id: str) -> None:
    DBOS.cancel_workflow(trial_workflow_id(account_id))


def resume_trial(account_id: str) -> WorkflowHandle[dict]:
    return DBOS.resume_workflow(trial_workflow_id(account_id))


def outcome(account_id: str, handle: WorkflowHandle[dict]) -> dict:
    try:
        return handle.get_result()
    except dbos_errors.DBOSAwaitedWorkflowCancelledError:
        return {"account_id": account_id, "status": "paused"}


def main() -> None:
    DBOS(config=dbos_config())
    DBOS.launch()
    if sys.argv[1] == "pause":
        pause_trial(sys.argv[2])
        result = {"account_id": sys.argv[2], "status": "paused"}
    elif sys.argv[1] == "resume":
        result = outcome(sys.argv[2], resume_trial(sys.argv[2]))
    else:
        account_id, email_address, plan = sys.argv[1:4]
        result = outcome(account_id, start_trial(account_id, email_address, plan))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
