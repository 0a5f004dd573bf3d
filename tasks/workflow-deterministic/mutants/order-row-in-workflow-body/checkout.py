"""Checkout worker: turns a cart into an order.

    python checkout.py <cart-id>

Reserves the stock, registers a thank-you coupon, charges the card and emails the confirmation, then
prints the order summary as JSON. Each cart is checked out at most once (the workflow id is the cart id).

Random ids, clock reads and coupon codes come from steps, so a recovered checkout reuses the values it already
sent out. The order row is written by a transaction of a DBOS datasource on the orders database: the row and
DBOS's record of the step commit together, so a recovered checkout never writes it twice.
"""

import json
import os
import random
import string
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from dbos import DBOS, DBOSConfig, SetWorkflowID

import loyalty
import mailer
import orders_db
import payments
import warehouse

COUPON_ALPHABET = string.ascii_uppercase + string.digits



@DBOS.step()
def load_cart(cart_id: str) -> dict:
    return json.loads(Path("carts.json").read_text())[cart_id]


def order_total(cart: dict) -> int:
    return sum(item["qty"] * item["unit_cents"] for item in cart["items"])


# Random ids, clock reads and coupon codes come from steps: their values are checkpointed, so a workflow
# recovered after a crash reuses the ones it already sent to the warehouse, the processor and the mailer.
@DBOS.step()
def new_order_id() -> str:
    return f"ord-{uuid.uuid4().hex[:12]}"


@DBOS.step()
def order_timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


@DBOS.step()
def new_coupon_code() -> str:
    return "THX-" + "".join(random.choices(COUPON_ALPHABET, k=6))


@DBOS.step()
def reserve_stock(order_id: str, cart: dict, placed_at: str) -> None:
    warehouse.reserve(order_id, cart["items"], placed_at)


@DBOS.step()
def issue_coupon(cart: dict, coupon: str, order_id: str) -> None:
    loyalty.issue_coupon(cart["customer_id"], coupon, order_id)


@DBOS.step()
def charge_card(cart: dict, order_id: str) -> str:
    return payments.charge(cart["customer_id"], order_total(cart), idempotency_key=order_id)


def create_orders_table() -> None:
    with psycopg.connect(orders_db.database_url()) as conn:
        conn.execute(orders_db.SCHEMA)


def record_order(order: dict) -> None:
    with psycopg.connect(orders_db.database_url()) as conn:
        conn.execute(orders_db.INSERT_ORDER, order)


@DBOS.step()
def send_confirmation(cart: dict, order_id: str, charge_id: str, coupon: str, placed_at: str) -> None:
    mailer.send_order_confirmation(cart["email"], order_id, charge_id, coupon, placed_at)


@DBOS.workflow()
def place_order(cart_id: str) -> dict:
    cart = load_cart(cart_id)
    order_id = new_order_id()
    placed_at = order_timestamp()
    coupon = new_coupon_code()

    reserve_stock(order_id, cart, placed_at)
    issue_coupon(cart, coupon, order_id)
    charge_id = charge_card(cart, order_id)
    order = {"cart_id": cart_id, "order_id": order_id, "charge_id": charge_id, "coupon": coupon,
             "placed_at": placed_at, "total_cents": order_total(cart)}
    record_order({**order, "customer_id": cart["customer_id"]})
    send_confirmation(cart, order_id, charge_id, coupon, placed_at)
    return order


def checkout(cart_id: str) -> dict:
    with SetWorkflowID(f"checkout-{cart_id}"):
        return place_order(cart_id)


def main() -> None:
    config: DBOSConfig = {
        "name": "shop-checkout",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.11.2",
    }
    DBOS(config=config)
    DBOS.launch()
    create_orders_table()
    print(json.dumps(checkout(sys.argv[1])))


if __name__ == "__main__":
    main()
