"""Renew the subscriptions due on a day.

    python renew.py 2024-09-01 [subscriptions.json]

For every subscription due that day: charge the customer through the gateway, extend the subscription by a
month in the accounts service, and email the invoice. Prints a JSON summary of the day.
"""

import json
import sys
import uuid
from pathlib import Path

import accounts
import gateway
import mailer
import plans


def renew(sub: dict, day: str) -> dict:
    amount = plans.price_of(sub["plan"])
    period = day[:7]
    # A fresh idempotency key per renewal, so the gateway can deduplicate our retries of this charge.
    key = f"rnw_{uuid.uuid4().hex}"
    charge_id = gateway.create_charge(key, sub["customer_id"], amount, f"{sub['plan']} plan {period}")
    accounts.extend_subscription(sub["subscription_id"], period, charge_id)
    mailer.send_invoice(sub["email"], sub["subscription_id"], period, charge_id, amount)
    return {"subscription_id": sub["subscription_id"], "charge_id": charge_id, "amount_cents": amount}


def renew_day(day: str, path: str = "subscriptions.json") -> dict:
    due = [s for s in json.loads(Path(path).read_text()) if s["renews_on"] == day]
    renewed = [renew(sub, day) for sub in due]
    return {"day": day, "renewed": len(renewed), "charged_cents": sum(r["amount_cents"] for r in renewed)}


if __name__ == "__main__":
    print(json.dumps(renew_day(*sys.argv[1:3])))
