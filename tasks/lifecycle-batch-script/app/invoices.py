"""Monthly invoicing: charge every active customer for their plan, book the invoice in the accounting ledger,
then email a receipt."""

import json
import sys
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.orm import Session

import accounting
import billing
import mailer

PRICES_CENTS = {"basic": 900, "pro": 2900, "enterprise": 9900}


def load_customers() -> list[dict]:
    customers = json.loads(Path("customers.json").read_text())
    return [c for c in customers if c["active"]]


def invoice_amount(customer: dict) -> int:
    return PRICES_CENTS[customer["plan"]] * customer["seats"]


def run_batch(batch_id: str) -> dict:
    ledger = sa.create_engine(accounting.database_url())
    total = 0
    customers = load_customers()
    for customer in customers:
        amount = invoice_amount(customer)
        charge_id = billing.charge(customer["id"], amount, f"{batch_id} subscription")
        with Session(ledger) as session, session.begin():
            accounting.record_invoice(session, batch_id, customer["id"], amount, charge_id)
        mailer.send_receipt(customer["id"], charge_id, amount)
        total += amount
    return {"batch_id": batch_id, "charged": len(customers), "total_cents": total}


if __name__ == "__main__":
    accounting.create_tables(sa.create_engine(accounting.database_url()))
    summary = run_batch(sys.argv[1])
    print(json.dumps(summary))
