import os

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig

app = FastAPI()

config: DBOSConfig = {
    "name": "orders-api",
    "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    "application_version": "1.0.0",
}
DBOS(config=config)


@DBOS.step()
def reserve_stock(sku: str, qty: int) -> bool:
    return qty < 10


@DBOS.workflow()
def place_order(sku: str, qty: int) -> dict:
    ok = reserve_stock(sku, qty)
    return {"sku": sku, "reserved": ok}


@app.post("/orders")
def create_order(sku: str, qty: int):
    handle = DBOS.start_workflow(place_order, sku, qty)
    return {"workflow_id": handle.get_workflow_id()}


DBOS.launch()
