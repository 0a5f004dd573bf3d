from dbos import DBOS, SetWorkflowID

from . import inventory, payments
from .models import Order

FULFILLMENT_QUEUE = "fulfillment"


@DBOS.step()
def reserve_stock(order: Order) -> bool:
    return inventory.reserve(order.sku, order.qty)


@DBOS.step(retries_allowed=True, max_attempts=3)
def charge_customer(order: Order) -> str:
    return payments.charge(order.customer, order.cents, idempotency_key=order.order_id)


@DBOS.step()
def notify(order: Order, charge_id: str) -> None:
    print(f"order {order.order_id} charged {charge_id}")


@DBOS.workflow()
def ship(order: Order) -> str:
    DBOS.sleep(1)
    return f"shipped {order.order_id}"


@DBOS.workflow()
def process_order(order: Order) -> dict:
    DBOS.set_event("status", "reserving")
    if not reserve_stock(order):
        return {"status": "out_of_stock"}
    charge_id = charge_customer(order)
    notify(order, charge_id)
    handle = DBOS.enqueue_workflow(FULFILLMENT_QUEUE, ship, order)
    DBOS.set_event("status", "shipping")
    return {"status": "fulfilled", "shipment": handle.get_result()}


def submit(order: Order):
    with SetWorkflowID(f"order-{order.order_id}"):
        return DBOS.start_workflow(process_order, order)
