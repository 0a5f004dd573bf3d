"""Checkout worker: turns a cart into an order.

    python checkout.py <cart-id>

Reserves the stock, registers a thank-you coupon, charges the card and emails the confirmation, then
prints the order summary as JSON. Each cart is checked out at most once (the workflow id is the cart id).

The workflow body must be deterministic so that a recovered checkout replays the same order: the random
and time-dependent values (order id, coupon code, order timestamp) are generated inside a DBOS step, so
they are checkpointed and a recovered checkout reuses them instead of making up new ones.
"""

import json
import os
import secrets
import string
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

from dbos import DBOS, DBOSConfig, SetWorkflowID

import loyalty
import mailer
import payments
import warehouse

COUPON_ALPHABET = string.ascii_uppercase + string.digits
COUPON_LENGTH = 6


@DBOS.step()
def load_cart(cart_id: str) -> dict:
    return json.loads(Path("carts.json").read_text())[cart_id]


def order_total(cart: dict) -> int:
    return sum(item["qty"] * item["unit_cents"] for item in cart["items"])


@DBOS.step()
def new_order_identity() -> dict:
    """Order id, order timestamp and coupon code of a new order (checkpointed, so stable across recovery)."""
    return {
        "order_id": f"ord-{uuid.uuid4().hex[:12]}",
        "placed_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "coupon": "THX-" + "".join(secrets.choice(COUPON_ALPHABET) for _ in range(COUPON_LENGTH)),
    }


@DBOS.step()
def reserve_stock(order_id: str, cart: dict, placed_at: str) -> None:
    warehouse.reserve(order_id, cart["items"], placed_at)


@DBOS.step()
def issue_coupon(cart: dict, coupon: str, order_id: str) -> None:
    loyalty.issue_coupon(cart["customer_id"], coupon, order_id)


@DBOS.step()
def charge_card(cart: dict, order_id: str) -> str:
    # The order id is the processor's idempotency key: if we crashed after the charge went through,
    # the recovered step asks again with the same key and gets the first charge back.
    return payments.charge(cart["customer_id"], order_total(cart), idempotency_key=order_id)


@DBOS.step()
def send_confirmation(cart: dict, order_id: str, charge_id: str, coupon: str, placed_at: str) -> None:
    mailer.send_order_confirmation(cart["email"], order_id, charge_id, coupon, placed_at)


@DBOS.workflow()
def place_order(cart_id: str) -> dict:
    cart = load_cart(cart_id)
    identity = new_order_identity()
    order_id, placed_at, coupon = identity["order_id"], identity["placed_at"], identity["coupon"]

    reserve_stock(order_id, cart, placed_at)
    issue_coupon(cart, coupon, order_id)
    charge_id = charge_card(cart, order_id)
    send_confirmation(cart, order_id, charge_id, coupon, placed_at)
    return {"cart_id": cart_id, "order_id": order_id, "charge_id": charge_id, "coupon": coupon,
            "placed_at": placed_at, "total_cents": order_total(cart)}


def checkout(cart_id: str) -> dict:
    workflow_id = f"checkout-{cart_id}"
    if DBOS.get_workflow_status(workflow_id) is not None:
        # Already checked out (recorded summary), or interrupted: DBOS recovers the interrupted checkout at
        # launch, and we wait for that single execution rather than running the workflow a second time.
        return DBOS.retrieve_workflow(workflow_id).get_result()
    with SetWorkflowID(workflow_id):
        handle = DBOS.start_workflow(place_order, cart_id)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "shop-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11.2",
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        summary = checkout(sys.argv[1])
    finally:
        DBOS.destroy()
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
