"""Free trials of our SaaS plans, on DBOS.

    python trials.py ACCOUNT_ID EMAIL PLAN

starts the account's trial (or attaches to it, if the account already has one) and waits for it to end:
the trial subscription is opened, a welcome email goes out, then the trial runs for its length
(`plans.trial_length_seconds()`), then the first month is charged and a receipt emailed. Prints the outcome.
An account gets one trial, ever: running the command again for it attaches to that trial. If the process
dies while a trial runs, running the command again picks the trial up where it was.
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID, WorkflowHandle

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


def start_trial(account_id: str, email_address: str, plan: str) -> WorkflowHandle[dict]:
    with SetWorkflowID(f"trial-{account_id}"):
        return DBOS.start_workflow(run_trial, account_id, email_address, plan, plans.trial_length_seconds())


def main() -> None:
    account_id, email_address, plan = sys.argv[1:4]
    DBOS(config=dbos_config())
    DBOS.launch()
    print(json.dumps(start_trial(account_id, email_address, plan).get_result()))


if __name__ == "__main__":
    main()
