"""Escrow for marketplace orders: we hold the buyer's money until the carrier confirms delivery, then pay the
seller; if delivery isn't confirmed within the hold period, we refund the buyer.

    python payouts.py worker                                       # the escrow worker (long-running)
    python payouts.py shipped <order-id> <seller> <amount-cents>   # the warehouse feed: the order shipped
    python payouts.py delivered <order-id>                         # the carrier's webhook: delivered
    python payouts.py status <order-id>                            # {"order_id": ..., "status": ...}

Each order's escrow is a durable DBOS workflow (`escrow-<order-id>`) run by the worker: it waits for the
delivery confirmation until the hold period (HOLD_PERIOD_S seconds after shipping, default 14 days) is over,
then pays the seller or refunds the buyer, exactly once. The commands are short-lived processes that talk
to the worker through the system database (DBOS_SYSTEM_DATABASE_URL) with a DBOSClient; they never pay or
refund anything themselves.

A delivery confirmation is recorded durably as its own workflow (`delivery-<order-id>`), so one that arrives
before the shipment is known is not lost: the escrow checks for it when it starts. If the escrow already
exists, the confirmation is also sent to it as a message, which wakes it up.
"""

import json
import os
import sys
import threading
import time
from typing import Any, Optional

from dbos import DBOS, DBOSClient, DBOSConfig, EnqueueOptions

import bank

ESCROW_QUEUE = "escrow"
DELIVERED_TOPIC = "delivered"


def hold_period_s() -> float:
    return float(os.environ.get("HOLD_PERIOD_S", str(14 * 24 * 3600)))


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the escrow system database")
    return url


def escrow_id(order_id: str) -> str:
    return f"escrow-{order_id}"


def delivery_id(order_id: str) -> str:
    return f"delivery-{order_id}"


# --- the worker's workflows and steps -----------------------------------------------------------------


@DBOS.step()
def hold_deadline(shipped_at: float) -> float:
    return shipped_at + hold_period_s()


@DBOS.step()
def now() -> float:
    return time.time()


@DBOS.step()
def delivery_recorded(order_id: str) -> bool:
    return DBOS.get_workflow_status(delivery_id(order_id)) is not None


@DBOS.step()
def escrow_started(order_id: str) -> bool:
    return DBOS.get_workflow_status(escrow_id(order_id)) is not None


@DBOS.step()
def pay_seller(order_id: str, seller: str, amount_cents: int) -> None:
    bank.pay_seller(order_id, seller, amount_cents)


@DBOS.step()
def refund_buyer(order_id: str, amount_cents: int) -> None:
    bank.refund_buyer(order_id, amount_cents)


@DBOS.workflow()
def escrow(order_id: str, seller: str, amount_cents: int, shipped_at: float) -> str:
    """One order's escrow, from shipping to payout or refund. Returns "paid" or "refunded"."""
    deadline = hold_deadline(shipped_at)
    if delivery_recorded(order_id):  # confirmed before (or while) the shipment became known
        delivered = True
    else:
        remaining = max(0.0, deadline - now())
        delivered = DBOS.recv(DELIVERED_TOPIC, timeout_seconds=remaining) is not None
    if delivered:
        pay_seller(order_id, seller, amount_cents)
        return "paid"
    refund_buyer(order_id, amount_cents)
    return "refunded"


@DBOS.workflow()
def record_delivery(order_id: str) -> str:
    """The durable record of a delivery confirmation; also forwards it to the escrow if it exists."""
    if escrow_started(order_id):
        DBOS.send(escrow_id(order_id), "delivered", topic=DELIVERED_TOPIC)
    return "recorded"


def worker() -> None:
    config: DBOSConfig = {
        "name": "payouts",
        "system_database_url": system_database_url(),
        "application_version": os.environ.get("APP_VERSION", "escrow-1"),
    }
    DBOS(config=config)
    DBOS.launch()
    # No concurrency limit: every escrow spends most of its life waiting for its confirmation.
    DBOS.register_queue(ESCROW_QUEUE)
    threading.Event().wait()


# --- the commands (short-lived clients) ---------------------------------------------------------------


def _status_of(client: DBOSClient, workflow_id: str) -> Optional[Any]:
    rows = client.list_workflows(workflow_ids=[workflow_id], load_input=False, load_output=True)
    return rows[0] if rows else None


def shipped(client: DBOSClient, order_id: str, seller: str, amount_cents: int) -> None:
    options: EnqueueOptions = {
        "workflow_name": "escrow",
        "queue_name": ESCROW_QUEUE,
        "workflow_id": escrow_id(order_id),  # a repeated feed message returns the existing escrow
    }
    client.enqueue(options, order_id, seller, amount_cents, time.time())


def delivered(client: DBOSClient, order_id: str) -> None:
    # 1. Record the confirmation durably (carrier retries return the existing record).
    options: EnqueueOptions = {
        "workflow_name": "record_delivery",
        "queue_name": ESCROW_QUEUE,
        "workflow_id": delivery_id(order_id),
    }
    client.enqueue(options, order_id)
    # 2. If the escrow already exists it may be waiting: wake it up. (An escrow created after this check
    #    finds the record from step 1 when it starts.)
    if _status_of(client, escrow_id(order_id)) is not None:
        client.send(escrow_id(order_id), "delivered", DELIVERED_TOPIC, idempotency_key=f"delivered-{order_id}")


def status(client: DBOSClient, order_id: str) -> dict:
    wf = _status_of(client, escrow_id(order_id))
    if wf is None:
        state = "unknown"  # never heard of it, or only its delivery so far
    elif wf.status == "SUCCESS" and wf.output in ("paid", "refunded"):
        state = wf.output
    else:
        state = "waiting"
    return {"order_id": order_id, "status": state}


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: payouts.py worker | shipped <order-id> <seller> <amount-cents> | delivered <order-id>"
                 " | status <order-id>")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "worker":
        worker()
        return
    if command not in ("shipped", "delivered", "status"):
        sys.exit(f"unknown command {command!r}")
    client = DBOSClient(system_database_url=system_database_url())
    try:
        if command == "shipped":
            shipped(client, args[0], args[1], int(args[2]))
        elif command == "delivered":
            delivered(client, args[0])
        else:
            print(json.dumps(status(client, args[0])))
    finally:
        client.destroy()


if __name__ == "__main__":
    main()
