"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.

The renewal of a day is a durable DBOS workflow with a fixed id (`renewals-<day>`). Every renewal's
idempotency key is recorded before the charge, so if the run dies after a charge went through but before we
got its response, the resumed run retries the charge with the same key and the gateway returns the original
charge instead of charging again. Extensions and invoices are checkpointed steps too. Running the day again
finishes an interrupted run; running a finished day again just prints its recorded summary.
"""

import json
import os
import sys
import uuid
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import gateway
import mailer
import plans

# Pinned so that an interrupted day is always recovered, even if the code changed in between
# (by default DBOS only recovers workflows started by the exact same code).
APPLICATION_VERSION = "renewals-1"


@DBOS.step()
def load_due(day: str, path: str) -> list[dict]:
    return [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]


@DBOS.step()
def new_idempotency_key() -> str:
    # A fresh idempotency key per renewal, so the gateway can deduplicate our retries of this charge.
    return f"rnw_{uuid.uuid4().hex}"


@DBOS.step()
def charge(key: str, customer_id: str, amount_cents: int, description: str) -> str:
    return gateway.create_charge(key, customer_id, amount_cents, description)


@DBOS.step()
def extend(subscription_id: str, period: str, charge_id: str) -> None:
    accounts.extend_subscription(subscription_id, period, charge_id)


@DBOS.step()
def invoice(email: str, subscription_id: str, period: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_invoice(email, subscription_id, period, charge_id, amount_cents)


def renew(sub: dict, day: str) -> dict:
    amount = plans.price_of(sub["plan"])
    period = day[:7]
    key = new_idempotency_key()
    charge_id = charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    extend(sub["subscription_id"], period, charge_id)
    invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


@DBOS.workflow()
def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    due = load_due(day, path)
    renewed = [renew(sub, day) for sub in due]
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


def day_workflow_id(day: str) -> str:
    return f"renewals-{day}"


def run_day(day: str, path: str = "subscriptions.json") -> dict:
    workflow_id = day_workflow_id(day)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # The day was started before: it either finished (its summary is recorded) or was interrupted, in
        # which case DBOS.launch() is already recovering it. Wait for it instead of running it twice.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(renew_day, day, path)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "renewals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(run_day(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
