"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.

A day's renewals are one durable DBOS workflow (id `renew-<day>`): every charge, extension and invoice is a
checkpointed step, so running an interrupted day again finishes it, and running a finished day again only
prints its summary. The idempotency key of a charge is derived from the renewal (subscription and day), so
a charge that went through but whose response never reached us is deduplicated by the gateway when the
step runs again.
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

APP_VERSION = "renewals-v1"


def idempotency_key(sub: dict, day: str) -> str:
    """The same key for every attempt of one renewal; a different one for each renewal day."""
    return f"rnw_{sub['subscription_id']}_{day}"


@DBOS.step()
def charge(key: str, customer_id: str, amount_cents: int, description: str) -> str:
    return gateway.create_charge(key, customer_id, amount_cents, description)


@DBOS.step()
def extend_subscription(subscription_id: str, period: str, charge_id: str) -> None:
    accounts.extend_subscription(subscription_id, period, charge_id)


@DBOS.step()
def send_invoice(to: str, subscription_id: str, period: str, charge_id: str, amount_cents: int) -> None:
    mailer.send_invoice(to, subscription_id, period, charge_id, amount_cents)


def renew(sub: dict, day: str) -> dict:
    amount = plans.price_of(sub["plan"])
    period = day[:7]
    charge_id = charge(idempotency_key(sub, day), sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    extend_subscription(sub["subscription_id"], period, charge_id)
    send_invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


@DBOS.workflow()
def renew_due(day: str, due: list[dict]) -> dict:
    renewed = [renew(sub, day) for sub in due]
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


def _workflow_id(day: str) -> str:
    return f"renew-{day}"


def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    workflow_id = _workflow_id(day)
    status = DBOS.get_workflow_status(workflow_id)
    if status is not None and (status.status != "PENDING" or status.app_version == APP_VERSION):
        # Already finished (its recorded summary), or interrupted and being finished by DBOS's recovery
        # of pending workflows: wait for it instead of starting a second execution.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    due = [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(renew_due, day, due)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "renewals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(renew_day(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
