import random

from dbos import DBOS

WAREHOUSES = ["berlin", "paris", "madrid"]


@DBOS.step()
def ship_from(warehouse: str, order_id: str) -> str:
    return f"{warehouse}:{order_id}"


@DBOS.workflow()
def route_order(order_id: str) -> str:
    warehouse = random.choice(WAREHOUSES)
    return ship_from(warehouse, order_id)
