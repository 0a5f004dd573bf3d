"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.

Each renewal is a DBOS workflow whose id is the subscription and the day, so running a day again finishes
what an interrupted run started and repeats nothing. The gateway's idempotency key is made in a step of its
own: a recovered renewal reuses the recorded key, and a charge whose response was lost is deduplicated by the
gateway instead of charged again.
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


@DBOS.step()
def new_idempotency_key() -> str:
    return f"rnw_{uuid.uuid4().hex}"


@DBOS.step()
def charge(key: str, customer_id: str, amount: int, description: str) -> str:
    return gateway.create_charge(key, customer_id, amount, description)


@DBOS.step()
def extend(subscription_id: str, period: str, charge_id: str) -> None:
    accounts.extend_subscription(subscription_id, period, charge_id)


@DBOS.step()
def send_invoice(sub: dict, period: str, charge_id: str, amount: int) -> None:
    mailer.send_invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)


@DBOS.workflow()
def renew(sub: dict, day: str) -> dict:
    amount = plans.price_of(sub["plan"])
    period = day[:7]
    key = f"rnw_{uuid.uuid4().hex}"
    charge_id = charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    extend(sub["subscription_id"], period, charge_id)
    send_invoice(sub, period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    due = [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]
    renewed = []
    for sub in due:
        with SetWorkflowID(f"renewal-{sub['subscription_id']}-{day}"):
            renewed.append(renew(sub, day))
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


def main() -> None:
    config: DBOSConfig = {
        "name": "subscription-renewals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(renew_day(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
