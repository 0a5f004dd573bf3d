from dbos import DBOS

last_order_id = None


@DBOS.step()
async def store(order: dict) -> None:
    print(order)


@DBOS.workflow()
async def record_order(order: dict) -> None:
    global last_order_id
    await store(order)
    last_order_id = order["id"]
