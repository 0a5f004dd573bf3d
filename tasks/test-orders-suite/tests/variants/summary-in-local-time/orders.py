"""Checkout for the shop: reserve stock, charge the card, email the confirmation.

`place_order` is what the storefront calls. An order id is checked out at most once: the storefront retries
on timeouts, and a retry of an order that already went through returns the recorded outcome instead of
charging again. If the card is declined, the reserved stock is put back.

Every process of the shop runs `start_shop()` right after launching DBOS: it sets up the shop's own
schedules (the weekly sales summary of `reports.py`, every Monday at 06:00 UTC).

    python orders.py <order.json>     (the order as the storefront sends it)
"""

import json
import os
import sys

from dbos import DBOS, DBOSConfig, SetWorkflowID

import inventory
import mailer
import payments
import reports

PRICES_CENTS = {"mug": 1450, "tee": 2400, "hoodie": 5900, "sticker-pack": 600}


def dbos_config() -> DBOSConfig:
    return {
        "name": "shop-orders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.12.1",
    }


def order_total(items: dict[str, int]) -> int:
    return sum(PRICES_CENTS[sku] * qty for sku, qty in items.items())


@DBOS.step()
def reserve_stock(order_id: str, items: dict[str, int]) -> str:
    return inventory.reserve(order_id, items)


@DBOS.step()
def release_stock(reservation_id: str) -> None:
    inventory.release(reservation_id)


@DBOS.step()
def charge_card(order_id: str, card_token: str, amount_cents: int) -> dict:
    return payments.charge(card_token, amount_cents, reference=order_id)


@DBOS.step()
def send_confirmation(email: str, order_id: str, amount_cents: int) -> None:
    mailer.send(email, f"Order {order_id} confirmed", f"We charged {amount_cents / 100:.2f} USD. Thank you!")


@DBOS.workflow()
def checkout(order_id: str, email: str, items: dict[str, int], card_token: str) -> dict:
    total = order_total(items)
    reservation = reserve_stock(order_id, items)
    charge = charge_card(order_id, card_token, total)
    if charge["status"] != "approved":
        release_stock(reservation)
        return {"order_id": order_id, "status": "payment_declined", "total_cents": total}
    send_confirmation(email, order_id, total)
    return {"order_id": order_id, "status": "confirmed", "total_cents": total, "charge_id": charge["charge_id"]}


def start_shop() -> None:
    """Set up the shop's schedules; called once DBOS is launched (they live in the system database)."""
    DBOS.apply_schedules([
        {"schedule_name": "weekly-sales-summary", "workflow_fn": reports.weekly_sales_summary,
         "schedule": "0 6 * * 1", "cron_timezone": "Europe/Berlin"},
    ])


def place_order(order_id: str, email: str, items: dict[str, int], card_token: str) -> dict:
    """Check out an order; calling it again with the same order id returns the first outcome."""
    with SetWorkflowID(f"order-{order_id}"):
        return checkout(order_id, email, items, card_token)


def main() -> None:
    order = json.loads(open(sys.argv[1]).read())
    DBOS(config=dbos_config())
    DBOS.launch()
    start_shop()
    print(json.dumps(place_order(order["order_id"], order["email"], order["items"], order["card_token"])))


if __name__ == "__main__":
    main()
