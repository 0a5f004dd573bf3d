"""Escrow for marketplace orders: we hold the buyer's money until the carrier confirms delivery, then pay the
seller; if delivery isn't confirmed within the hold period, we refund the buyer.

    python payouts.py worker                                       # the escrow worker (long-running)
    python payouts.py shipped <order-id> <seller> <amount-cents>   # the warehouse feed: the order shipped
    python payouts.py delivered <order-id>                         # the carrier's webhook: delivered
    python payouts.py status <order-id>                            # {"order_id": ..., "status": ...}

Each order's escrow is the DBOS workflow `escrow-<order-id>` on the worker's `escrow` queue. The commands are
DBOS clients: a message can only be sent to a workflow that exists, and deliveries often come before the
shipment, so `shipped` and `delivered` both first enqueue the order's escrow under its fixed id (a no-op
when it exists) and then send their message to it; the workflow receives each topic whenever it gets there.
The escrow publishes its status as an event, which stays readable after the workflow has finished.
"""

import json
import os
import sys
import threading
import time

from dbos import DBOS, DBOSClient, DBOSConfig

import bank

QUEUE = "escrow"
FOREVER_S = 10 * 365 * 24 * 3600


def hold_period_s() -> float:
    return float(os.environ.get("HOLD_PERIOD_S", str(14 * 24 * 3600)))


def escrow_id(order_id: str) -> str:
    return f"escrow-{order_id}"


@DBOS.step()
def remaining_hold_s(shipped_at: float) -> float:
    return max(0.0, shipped_at + hold_period_s() - time.time())


@DBOS.step()
def pay_seller(order_id: str, shipment: dict) -> None:
    bank.pay_seller(order_id, shipment["seller"], shipment["amount_cents"])


@DBOS.step()
def refund_buyer(order_id: str, shipment: dict) -> None:
    bank.refund_buyer(order_id, shipment["amount_cents"])


@DBOS.workflow()
def escrow(order_id: str) -> str:
    shipment = DBOS.recv("shipped", timeout_seconds=FOREVER_S)
    if shipment is None:
        return "unknown"
    DBOS.set_event("status", "waiting")
    delivered = DBOS.recv("delivered", timeout_seconds=remaining_hold_s(shipment["shipped_at"]))
    if delivered is not None:
        pay_seller(order_id, shipment)
        outcome = "paid"
    else:
        refund_buyer(order_id, shipment)
        outcome = "refunded"
    DBOS.set_event("status", outcome)
    return outcome


def run_worker() -> None:
    config: DBOSConfig = {
        "name": "escrow",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "escrow-1",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE)
    threading.Event().wait()


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def _tell(order_id: str, topic: str, message: dict) -> None:
    client = _client()
    try:
        client.enqueue({"workflow_name": "escrow", "queue_name": QUEUE, "workflow_id": escrow_id(order_id)},
                       order_id)
        client.send(escrow_id(order_id), message, topic, idempotency_key=f"{topic}-{order_id}")
    finally:
        client.destroy()


def status(order_id: str) -> dict:
    client = _client()
    try:
        current = client.get_event(escrow_id(order_id), "status")
    finally:
        client.destroy()
    return {"order_id": order_id, "status": current or "unknown"}


def main() -> None:
    command, args = sys.argv[1], sys.argv[2:]
    if command == "worker":
        run_worker()
    elif command == "shipped":
        _tell(args[0], "shipped", {"seller": args[1], "amount_cents": int(args[2]), "shipped_at": time.time()})
    elif command == "delivered":
        _tell(args[0], "delivered", {"delivered_at": time.time()})
    elif command == "status":
        print(json.dumps(status(args[0])))
    else:
        sys.exit(f"unknown command {command!r}")


if __name__ == "__main__":
    main()
