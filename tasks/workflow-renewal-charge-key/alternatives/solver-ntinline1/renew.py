"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.

A day's renewals run as the durable workflow `renew-<day>`: every charge, extension and invoice is a
checkpointed step, so running the same day again after a crash finishes it, and running a finished day
again only prints its summary. Each charge's idempotency key is derived from the subscription and the
day, so a charge that went through just before a crash is deduplicated by the gateway when it is retried.
"""

import json
import os
import sys
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import accounts
import gateway
import mailer
import plans

# Pinned: a run after a crash resumes only the workflows of the same application version.
APPLICATION_VERSION = "1.0.0"


def day_workflow_id(day: str) -> str:
    return f"renew-{day}"


def charge_key(subscription_id: str, day: str) -> str:
    """One idempotency key per renewal: the same on every retry, different on the next renewal day."""
    return f"rnw_{subscription_id}_{day}"


@DBOS.step()
def load_due(path: str, day: str) -> list[dict]:
    return [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]


@DBOS.step()
def charge(key: str, customer_id: str, amount_cents: int, description: str) -> str:
    return gateway.create_charge(key, customer_id, amount_cents, description)


@DBOS.step()
def extend(subscription_id: str, period: str, charge_id: str) -> None:
    accounts.extend_subscription(subscription_id, period, charge_id)


@DBOS.step()
def send_invoice(email: str, subscription_id: str, period: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_invoice(email, subscription_id, period, charge_id, amount_cents)


def renew(sub: dict, day: str) -> dict:
    """Workflow code, run inside `renew_day`: only checkpointed steps and deterministic computation."""
    amount = plans.price_of(sub["plan"])
    period = day[:7]
    key = charge_key(sub["subscription_id"], day)
    charge_id = charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    extend(sub["subscription_id"], period, charge_id)
    send_invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


@DBOS.workflow()
def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    due = load_due(path, day)
    renewed = [renew(sub, day) for sub in due]
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


def renew_day_once(day: str, path: str = "subscriptions.json") -> dict:
    """Run the day's renewals, or wait for the existing run (resumed by DBOS.launch) to finish."""
    workflow_id = day_workflow_id(day)
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Started by an earlier run: if it was interrupted, launch() is already resuming it; if it
        # finished, this returns its recorded summary.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        return renew_day(day, path)


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: python renew.py <day> [subscriptions.json]")
    config: DBOSConfig = {
        "name": "renewals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(renew_day_once(*sys.argv[1:3])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
