from dbos import DBOS

from shop.services.payments import charge, reserve
from shop.setup import ORDERS_QUEUE


@DBOS.workflow()
def fulfil(order_id: str, sku: str) -> str:
    reserve(order_id, sku)
    return sku


@DBOS.workflow()
def checkout(order_id: str, skus: list[str]) -> dict:
    handles = [DBOS.enqueue_workflow(ORDERS_QUEUE, fulfil, order_id, sku) for sku in skus]
    reserved = [h.get_result() for h in handles]
    receipt = charge(order_id, len(reserved) * 500)
    DBOS.set_event("receipt", receipt)
    return {"order": order_id, "reserved": reserved, "receipt": receipt}
