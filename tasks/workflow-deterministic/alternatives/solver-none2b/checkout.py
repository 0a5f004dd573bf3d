"""Checkout worker: turns a cart into an order.

    python checkout.py <cart-id>

Reserves the stock, registers a thank-you coupon, charges the card and emails the confirmation, then
prints the order summary as JSON. Each cart is checked out at most once (the workflow id is the cart id).

The order's identity (order id, order timestamp, coupon code) is generated inside a DBOS step, so it is
recorded the first time the checkout runs: a checkout that is interrupted and recovered replays the same
values instead of inventing new ones, and finishes the *same* order (the order id is also the card
processor's idempotency key, so a charge interrupted mid-flight is not charged twice).
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

# Bumped because the workflow's steps changed: checkouts interrupted under the previous layout of steps
# must not be replayed against this one.
APPLICATION_VERSION = "2024.11.3"


@DBOS.step()
def load_cart(cart_id: str) -> dict:
    return json.loads(Path("carts.json").read_text())[cart_id]


def order_total(cart: dict) -> int:
    return sum(item["qty"] * item["unit_cents"] for item in cart["items"])


@DBOS.step()
def new_order_identity() -> dict:
    """Order id, order timestamp and coupon code of a new order (recorded, so replayed on recovery)."""
    return {
        "order_id": f"ord-{uuid.uuid4().hex[:12]}",
        "placed_at": datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
        "coupon": "THX-" + "".join(secrets.choice(COUPON_ALPHABET) for _ in range(6)),
    }


@DBOS.step()
def reserve_stock(order_id: str, cart: dict, placed_at: str) -> None:
    warehouse.reserve(order_id, cart["items"], placed_at)


@DBOS.step()
def issue_coupon(cart: dict, coupon: str, order_id: str) -> None:
    loyalty.issue_coupon(cart["customer_id"], coupon, order_id)


@DBOS.step()
def charge_card(cart: dict, order_id: str) -> str:
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
    wfid = f"checkout-{cart_id}"
    if DBOS.get_workflow_status(wfid) is not None:
        # Already checked out, or interrupted and being recovered by DBOS (launch() resumes it in the
        # background): wait for that execution rather than running the checkout a second time.
        return DBOS.retrieve_workflow(wfid).get_result()
    with SetWorkflowID(wfid):
        handle = DBOS.start_workflow(place_order, cart_id)
    return handle.get_result()


def main() -> None:
    config: DBOSConfig = {
        "name": "shop-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    print(json.dumps(checkout(sys.argv[1])), flush=True)


if __name__ == "__main__":
    main()
