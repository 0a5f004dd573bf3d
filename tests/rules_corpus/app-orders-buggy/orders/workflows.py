from dbos import DBOS

from . import inventory, payments
from .ids import tracking_number
from .models import Order


@DBOS.step()
def reserve_stock(order: Order) -> bool:
    return inventory.reserve(order.sku, order.qty)


@DBOS.workflow()
def ship(order: Order, tracking: str) -> str:
    return tracking


@DBOS.step()
def charge_and_ship(order: Order) -> str:
    charge_id = payments.charge(order.customer, order.cents, idempotency_key=order.order_id)
    DBOS.enqueue_workflow("fulfillment", ship, order, charge_id)
    return charge_id


@DBOS.workflow()
def process_order(order: Order) -> dict:
    if not reserve_stock(order):
        return {"status": "out_of_stock"}
    tracking = tracking_number()
    charge_id = charge_and_ship(order)
    return {"status": "fulfilled", "charge": charge_id, "tracking": tracking}
