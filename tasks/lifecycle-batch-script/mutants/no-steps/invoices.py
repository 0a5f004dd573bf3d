"""Monthly invoicing: charge every active customer for their plan, book the invoice in the accounting ledger,
then email a receipt.

The batch is a DBOS workflow whose id is the batch id: a crashed run is recovered when the program starts
again, and re-running a finished batch returns its recorded summary without charging anyone. Charges and
receipts are steps; an invoice is booked in a transaction of the ledger datasource, which commits the row
together with the workflow's checkpoint, so a crash right after the booking never books it again.
"""

import json
import os
import sys
from pathlib import Path

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource

import accounting
import billing
import mailer

PRICES_CENTS = {"basic": 900, "pro": 2900, "enterprise": 9900}

# Created at import (datasources must exist before DBOS.launch(), also when the admin tool launches DBOS);
# it opens the ledger database, never the DBOS system database.
ledger = SQLAlchemyDatasource.create(accounting.database_url())


def invoice_amount(customer: dict) -> int:
    return PRICES_CENTS[customer["plan"]] * customer["seats"]


def load_customers() -> list[dict]:
    customers = json.loads(Path("customers.json").read_text())
    return [c for c in customers if c["active"]]


def charge_customer(batch_id: str, customer: dict) -> str:
    return billing.charge(customer["id"], invoice_amount(customer), f"{batch_id} subscription")


@ledger.transaction()
def book_invoice(batch_id: str, customer: dict, charge_id: str) -> None:
    accounting.record_invoice(ledger.sql_session(), batch_id, customer["id"], invoice_amount(customer), charge_id)


def email_receipt(customer: dict, charge_id: str) -> None:
    mailer.send_receipt(customer["id"], charge_id, invoice_amount(customer))


@DBOS.workflow()
def invoice_batch(batch_id: str) -> dict:
    total = 0
    customers = load_customers()
    for customer in customers:
        charge_id = charge_customer(batch_id, customer)
        book_invoice(batch_id, customer, charge_id)
        email_receipt(customer, charge_id)
        total += invoice_amount(customer)
    return {"batch_id": batch_id, "charged": len(customers), "total_cents": total}


def run_batch(batch_id: str) -> dict:
    with SetWorkflowID(f"invoice-batch-{batch_id}"):
        return invoice_batch(batch_id)


def main() -> None:
    accounting.create_tables(sa.create_engine(accounting.database_url()))
    config: DBOSConfig = {
        "name": "invoicing",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.06",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        print(json.dumps(run_batch(sys.argv[1])))
    finally:
        DBOS.destroy()


if __name__ == "__main__":
    main()
