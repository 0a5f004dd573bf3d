"""Escrow for marketplace orders: we hold the buyer's money until the carrier confirms delivery, then pay the
seller; if delivery isn't confirmed within the hold period, we refund the buyer.

    python payouts.py worker                                       # the escrow worker (long-running)
    python payouts.py shipped <order-id> <seller> <amount-cents>   # the warehouse feed: the order shipped
    python payouts.py delivered <order-id>                         # the carrier's webhook: delivered
    python payouts.py status <order-id>                            # {"order_id": ..., "status": ...}

Every order's escrow is a durable DBOS workflow (`escrow-<order-id>`) run by the worker; the commands only
talk to it through the database (DBOS_SYSTEM_DATABASE_URL) with a DBOSClient and never pay or refund anything
themselves. The hold period is HOLD_PERIOD_S seconds (default 14 days), counted from when the order shipped.

A delivery confirmation is recorded durably as its own (trivial) workflow `delivered-<order-id>`, so it is
kept even when it arrives before the shipment is known or while the worker is down. The escrow workflow looks
for that record when it starts; a confirmation recorded after that is also sent to the escrow as a message
(`delivered` first records, then notifies the escrow if it exists, so one of the two always sees it).
"""

import json
import os
import sys
import threading
import time

from dbos import DBOS, DBOSClient, DBOSConfig

import bank

QUEUE_NAME = "escrow"
DELIVERED_TOPIC = "delivered"
STATUS_EVENT = "status"
APPLICATION_VERSION = "payouts-escrow-1"


def hold_period_s() -> float:
    return float(os.environ.get("HOLD_PERIOD_S", str(14 * 24 * 3600)))


def escrow_id(order_id: str) -> str:
    return f"escrow-{order_id}"


def delivery_id(order_id: str) -> str:
    return f"delivered-{order_id}"


def _database_url() -> str:
    return os.environ["DBOS_SYSTEM_DATABASE_URL"]


# --- the worker's workflows ---------------------------------------------------------------------------


@DBOS.step()
def delivery_recorded(order_id: str) -> bool:
    return DBOS.get_workflow_status(delivery_id(order_id)) is not None


@DBOS.step()
def remaining_hold_s(shipped_at: float) -> float:
    return max(0.0, shipped_at + hold_period_s() - time.time())


@DBOS.step()
def pay_seller(order_id: str, seller: str, amount_cents: int) -> None:
    bank.pay_seller(order_id, seller, amount_cents)


@DBOS.step()
def refund_buyer(order_id: str, amount_cents: int) -> None:
    bank.refund_buyer(order_id, amount_cents)


@DBOS.workflow()
def escrow_order(order_id: str, seller: str, amount_cents: int, shipped_at: float) -> str:
    DBOS.set_event(STATUS_EVENT, "waiting")
    delivered = delivery_recorded(order_id)
    if not delivered:
        delivered = DBOS.recv(DELIVERED_TOPIC, timeout_seconds=remaining_hold_s(shipped_at)) is not None
    if delivered:
        pay_seller(order_id, seller, amount_cents)
        outcome = "paid"
    else:
        refund_buyer(order_id, amount_cents)
        outcome = "refunded"
    DBOS.set_event(STATUS_EVENT, outcome)
    return outcome


@DBOS.workflow()
def record_delivery(order_id: str) -> str:
    """The durable record of a delivery confirmation (its existence is what counts)."""
    return order_id


def worker() -> None:
    config: DBOSConfig = {
        "name": "payouts",
        "system_database_url": _database_url(),
        # Stable across deploys, so a restarted worker recovers the escrows that are on hold.
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE_NAME)
    threading.Event().wait()


# --- the commands (short-lived, talk to the worker through the database) --------------------------------


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=_database_url())


def _exists(client: DBOSClient, workflow_id: str):
    found = client.list_workflows(workflow_ids=[workflow_id])
    return found[0] if found else None


def shipped(order_id: str, seller: str, amount_cents: int) -> None:
    client = _client()
    try:
        options = {"queue_name": QUEUE_NAME, "workflow_name": "escrow_order", "workflow_id": escrow_id(order_id)}
        client.enqueue(options, order_id, seller, amount_cents, time.time())
    finally:
        client.destroy()


def delivered(order_id: str) -> None:
    client = _client()
    try:
        # 1. Record the confirmation durably (idempotent: carriers retry webhooks).
        options = {"queue_name": QUEUE_NAME, "workflow_name": "record_delivery", "workflow_id": delivery_id(order_id)}
        client.enqueue(options, order_id)
        # 2. Tell the escrow, if the shipment is already known (otherwise the escrow finds the record itself).
        if _exists(client, escrow_id(order_id)) is not None:
            client.send(escrow_id(order_id), order_id, DELIVERED_TOPIC)
    finally:
        client.destroy()


def status(order_id: str) -> dict:
    client = _client()
    try:
        escrow = _exists(client, escrow_id(order_id))
        if escrow is None:
            return {"order_id": order_id, "status": "unknown"}
        if escrow.status == "SUCCESS" and escrow.output in ("paid", "refunded"):
            return {"order_id": order_id, "status": escrow.output}
        try:
            event = client.get_event(escrow_id(order_id), STATUS_EVENT, timeout_seconds=0)
        except Exception:
            event = None
        if event in ("paid", "refunded"):
            return {"order_id": order_id, "status": event}
        return {"order_id": order_id, "status": "waiting"}
    finally:
        client.destroy()


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: payouts.py worker | shipped <order-id> <seller> <amount-cents> | delivered <order-id> | "
                 "status <order-id>")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "worker":
        worker()
    elif command == "shipped":
        shipped(args[0], args[1], int(args[2]))
    elif command == "delivered":
        delivered(args[0])
    elif command == "status":
        print(json.dumps(status(args[0])))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
