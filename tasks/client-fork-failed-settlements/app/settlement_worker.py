"""The settlement worker (DBOS). Owned by the billing team: do not modify.

    python settlement_worker.py

Billing enqueues `settle_invoice(invoice)` on the `settlements` queue with workflow id
`settle-<invoice id>` (an invoice is a dict: invoice_id, customer, amount, currency), and
`send_statement(customer)` on the same queue for monthly statements (see billing.py). Each settlement
charges the card, posts the charge to the general ledger and emails the receipt.

The general ledger locks a customer's account while it posts, so at most one piece of work per customer
runs at a time: the queue is partitioned by customer id (billing enqueues with the customer id as the
partition key) and runs one workflow per customer at a time, four per worker.
"""

import os
import threading

from dbos import DBOS, DBOSConfig

import providers


@DBOS.step()
def charge_card(invoice: dict) -> str:
    return providers.charge_card(invoice["invoice_id"], invoice["customer"], invoice["amount"], invoice["currency"])


@DBOS.step()
def post_to_ledger(invoice: dict, charge_id: str) -> None:
    providers.post_to_ledger(invoice["invoice_id"], invoice["amount"], invoice["currency"], charge_id)


@DBOS.step()
def email_receipt(invoice: dict) -> None:
    providers.email_receipt(invoice["invoice_id"], invoice["customer"])


@DBOS.workflow()
def settle_invoice(invoice: dict) -> dict:
    charge_id = charge_card(invoice)
    post_to_ledger(invoice, charge_id)
    email_receipt(invoice)
    return {"invoice_id": invoice["invoice_id"], "charge_id": charge_id, "status": "settled"}


@DBOS.step()
def render_statement(customer: str) -> str:
    return providers.render_statement(customer)


@DBOS.workflow()
def send_statement(customer: str) -> str:
    return render_statement(customer)


def main() -> None:
    config: DBOSConfig = {
        "name": "settlements",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("RELEASE", "settlement-8"),
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("settlements", worker_concurrency=4, partition_concurrency=1)
    threading.Event().wait()


if __name__ == "__main__":
    main()
