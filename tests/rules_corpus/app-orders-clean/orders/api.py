import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig

from .models import Order
from .workflows import FULFILLMENT_QUEUE, process_order


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "orders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("ORDERS_VERSION", "1"),
    }
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async(FULFILLMENT_QUEUE, worker_concurrency=2)
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@app.post("/orders")
async def create_order(order_id: str, customer: str, sku: str, qty: int, cents: int):
    order = Order(order_id, customer, sku, qty, cents)
    handle = await DBOS.start_workflow_async(process_order, order)
    return {"workflow_id": handle.get_workflow_id()}


@app.get("/orders/{workflow_id}")
async def order_status(workflow_id: str):
    return {"status": await DBOS.get_event_async(workflow_id, "status", timeout_seconds=1)}
