"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]    renew one day (ops re-runs)
    python renew.py serve [subscriptions.json]         the service: renews every day at 06:00 UTC

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.

Each renewal is a DBOS workflow whose id is the subscription and the day, so running a day again finishes
what an interrupted run started and repeats nothing. The gateway's idempotency key is made in a step of its
own: a recovered renewal reuses the recorded key, and a charge whose response was lost is deduplicated by the
gateway instead of charged again.

The service owns its schedule: a DBOS schedule (a row in the system database, applied after launch) starts
`renew_scheduled_day` every day at 06:00 UTC, and the day renewed is the tick's date. Its renewals are child
workflows with the same ids as a manual run's, so a day renewed both ways is still charged once.
"""

import json
import os
import sys
import threading
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

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
    key = new_idempotency_key()
    charge_id = charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    extend(sub["subscription_id"], period, charge_id)
    send_invoice(sub, period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


@DBOS.step()
def due_on(day: str, path: str) -> list[dict]:
    return [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]


def renew_due(day: str, due: list[dict]) -> dict:
    renewed = []
    for sub in due:
        with SetWorkflowID(f"renewal-{sub['subscription_id']}-{day}"):
            renewed.append(renew(sub, day))
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    return renew_due(day, due_on(day, path))


@DBOS.workflow()
def renew_scheduled_day(scheduled_at: datetime, context: Any) -> dict:
    day = scheduled_at.date().isoformat()
    return renew_due(day, due_on(day, context["subscriptions"]))


def serve(path: str) -> None:
    DBOS.apply_schedules([{"schedule_name": "daily-renewals", "workflow_fn": renew_scheduled_day,
                           "schedule": "0 6 * * *", "context": {"subscriptions": path}}])
    threading.Event().wait()  # the scheduler and recovery run in DBOS's threads


def main() -> None:
    config: DBOSConfig = {
        "name": "subscription-renewals",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    if sys.argv[1] == "serve":
        serve(sys.argv[2] if len(sys.argv) > 2 else "subscriptions.json")
    else:
        print(json.dumps(renew_day(*sys.argv[1:3])))


if __name__ == "__main__":
    main()
