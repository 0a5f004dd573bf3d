from dbos import DBOS


@DBOS.workflow()
def ship(order_id: str) -> str:
    return order_id


@DBOS.step()
def charge_and_ship(order_id: str, cents: int) -> str:
    print("charging", order_id, cents)
    handle = DBOS.start_workflow(ship, order_id)
    return handle.get_workflow_id()


@DBOS.workflow()
def checkout(order_id: str, cents: int) -> str:
    return charge_and_ship(order_id, cents)
