"""How billing hands work to the settlement worker (billing's service, shown for reference; do not modify).

Billing is not a DBOS app: it enqueues into the worker's database with a DBOS client. Every settlement and
statement is enqueued with the customer id as its queue partition key, so the worker runs at most one per
customer at a time.
"""

import os

from dbos import DBOSClient, EnqueueOptions


def enqueue_settlement(client: DBOSClient, invoice: dict) -> None:
    options: EnqueueOptions = {
        "workflow_name": "settle_invoice",
        "queue_name": "settlements",
        "workflow_id": f"settle-{invoice['invoice_id']}",
        "queue_partition_key": invoice["customer"],
    }
    client.enqueue(options, invoice)


def enqueue_statement(client: DBOSClient, customer: str, month: str) -> None:
    options: EnqueueOptions = {
        "workflow_name": "send_statement",
        "queue_name": "settlements",
        "workflow_id": f"statement-{customer}-{month}",
        "queue_partition_key": customer,
    }
    client.enqueue(options, customer)


if __name__ == "__main__":
    import json
    import sys

    billing = DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])
    try:
        for line in sys.stdin:  # one invoice per line, as JSON
            enqueue_settlement(billing, json.loads(line))
    finally:
        billing.destroy()
