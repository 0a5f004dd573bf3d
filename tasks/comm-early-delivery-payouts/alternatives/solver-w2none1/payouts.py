"""Escrow for marketplace orders: we hold the buyer's money until the carrier confirms delivery, then pay the
seller; if delivery isn't confirmed within the hold period, we refund the buyer.

    python payouts.py worker                                       # the escrow worker (long-running)
    python payouts.py shipped <order-id> <seller> <amount-cents>   # the warehouse feed: the order shipped
    python payouts.py delivered <order-id>                         # the carrier's webhook: delivered
    python payouts.py status <order-id>                            # {"order_id": ..., "status": ...}

Every order's escrow is a durable DBOS workflow (`escrow`, id `escrow-<order-id>`) run by the worker. The
commands are short-lived DBOS clients against the same system database (DBOS_SYSTEM_DATABASE_URL); they
never pay or refund anything themselves.

- `shipped` enqueues the order's escrow with the shipping time; the hold period (HOLD_PERIOD_S seconds,
  default 14 days, as configured for the worker) runs from that time.
- `delivered` records the confirmation durably: it enqueues a delivery notice (`record_delivery`, id
  `delivery-<order-id>`, so repeated confirmations collapse into the first one) and, if the order's escrow
  exists, also sends it a `delivered` message. An escrow looks for a delivery notice when it starts and
  otherwise waits for the message until the hold period is over, so a confirmation that comes before the
  shipment, or while the worker is down, is not lost.
- `status` reads the escrow workflow's state: no escrow -> `unknown`; finished -> its outcome (`paid` or
  `refunded`); otherwise -> `waiting`.
"""

import json
import os
import sys
import threading
import time
from typing import Any, Optional

from dbos import DBOS, DBOSClient, DBOSConfig

import bank

QUEUE_NAME = "escrow"
DELIVERED_TOPIC = "delivered"
APP_VERSION = "escrow-1"


def hold_period_s() -> float:
    return float(os.environ.get("HOLD_PERIOD_S", str(14 * 24 * 3600)))


def escrow_id(order_id: str) -> str:
    return f"escrow-{order_id}"


def delivery_id(order_id: str) -> str:
    return f"delivery-{order_id}"


# ----------------------------------------------------------------------------------------------------------
# The worker's workflows


@DBOS.step()
def hold_deadline(shipped_at: float) -> float:
    return shipped_at + hold_period_s()


@DBOS.step()
def seconds_until(deadline: float) -> float:
    return max(0.0, deadline - time.time())


@DBOS.step()
def pay_seller(order_id: str, seller: str, amount_cents: int) -> None:
    bank.pay_seller(order_id, seller, amount_cents)


@DBOS.step()
def refund_buyer(order_id: str, amount_cents: int) -> None:
    bank.refund_buyer(order_id, amount_cents)


@DBOS.workflow()
def record_delivery(order_id: str, delivered_at: float) -> float:
    """A durable delivery notice (its existence is what counts); returns the confirmation time."""
    return delivered_at


@DBOS.workflow()
def escrow(order_id: str, seller: str, amount_cents: int, shipped_at: float) -> str:
    deadline = hold_deadline(shipped_at)

    delivered = False
    notice = DBOS.get_workflow_status(delivery_id(order_id))
    if notice is not None:
        delivered = _notice_time(notice) <= deadline
    if not delivered:
        message = DBOS.recv(DELIVERED_TOPIC, timeout_seconds=seconds_until(deadline))
        if message is not None:
            delivered = _message_time(message) <= deadline

    if delivered:
        pay_seller(order_id, seller, amount_cents)
        outcome = "paid"
    else:
        refund_buyer(order_id, amount_cents)
        outcome = "refunded"
    DBOS.set_event("status", outcome)
    return outcome


def _notice_time(notice: Any) -> float:
    created_at = getattr(notice, "created_at", None)
    return created_at / 1000.0 if created_at else 0.0


def _message_time(message: Any) -> float:
    if isinstance(message, dict):
        try:
            return float(message.get("delivered_at", 0.0))
        except (TypeError, ValueError):
            return 0.0
    return 0.0


def run_worker() -> None:
    config: DBOSConfig = {
        "name": "payouts",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Fixed, so that a restarted worker (also after a deploy) recovers the escrows on hold.
        "application_version": APP_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue(QUEUE_NAME)
    threading.Event().wait()


# ----------------------------------------------------------------------------------------------------------
# The commands (short-lived DBOS clients)


def _client() -> DBOSClient:
    return DBOSClient(system_database_url=os.environ["DBOS_SYSTEM_DATABASE_URL"])


def _workflow_status(client: DBOSClient, workflow_id: str) -> Optional[Any]:
    for status in client.list_workflows(workflow_ids=[workflow_id]):
        if status.workflow_id == workflow_id:
            return status
    return None


def _enqueue_once(client: DBOSClient, workflow_name: str, workflow_id: str, *args: Any) -> None:
    """Enqueue the workflow under this id unless a workflow with this id exists already."""
    if _workflow_status(client, workflow_id) is not None:
        return
    try:
        client.enqueue({"queue_name": QUEUE_NAME, "workflow_name": workflow_name, "workflow_id": workflow_id},
                       *args)
    except Exception:
        if _workflow_status(client, workflow_id) is None:  # not a concurrent duplicate: a real failure
            raise


def shipped(order_id: str, seller: str, amount_cents: int) -> None:
    client = _client()
    try:
        _enqueue_once(client, "escrow", escrow_id(order_id), order_id, seller, amount_cents, time.time())
    finally:
        client.destroy()


def delivered(order_id: str) -> None:
    delivered_at = time.time()
    client = _client()
    try:
        # The durable notice first (a retried confirmation finds the first one and leaves it as it is) ...
        _enqueue_once(client, "record_delivery", delivery_id(order_id), order_id, delivered_at)
        # ... then tell the escrow, if the shipment is known already.
        if _workflow_status(client, escrow_id(order_id)) is not None:
            client.send(
                escrow_id(order_id),
                {"order_id": order_id, "delivered_at": delivered_at},
                DELIVERED_TOPIC,
                idempotency_key=f"delivered-{order_id}",
            )
    finally:
        client.destroy()


def status(order_id: str) -> dict:
    client = _client()
    try:
        workflow = _workflow_status(client, escrow_id(order_id))
    finally:
        client.destroy()
    if workflow is None:
        state = "unknown"
    elif workflow.status == "SUCCESS" and workflow.output in ("paid", "refunded"):
        state = workflow.output
    else:
        state = "waiting"
    return {"order_id": order_id, "status": state}


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit("usage: payouts.py worker | shipped <order-id> <seller> <amount-cents> | delivered <order-id>"
                 " | status <order-id>")
    command, args = sys.argv[1], sys.argv[2:]
    if command == "worker":
        run_worker()
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
