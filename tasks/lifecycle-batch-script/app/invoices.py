"""Monthly invoicing: charge every active customer for their plan, then email a receipt."""

import json
import sys
from pathlib import Path

import billing
import mailer

PRICES_CENTS = {"basic": 900, "pro": 2900, "enterprise": 9900}


def load_customers() -> list[dict]:
    customers = json.loads(Path("customers.json").read_text())
    return [c for c in customers if c["active"]]


def invoice_amount(customer: dict) -> int:
    return PRICES_CENTS[customer["plan"]] * customer["seats"]


def run_batch(batch_id: str) -> dict:
    total = 0
    customers = load_customers()
    for customer in customers:
        amount = invoice_amount(customer)
        charge_id = billing.charge(customer["id"], amount, f"{batch_id} subscription")
        mailer.send_receipt(customer["id"], charge_id, amount)
        total += amount
    return {"batch_id": batch_id, "charged": len(customers), "total_cents": total}


if __name__ == "__main__":
    summary = run_batch(sys.argv[1])
    print(json.dumps(summary))
