import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig

from .models import Order
from .workflows import process_order


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "orders",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1",
    }
    DBOS(config=config)
    await DBOS.register_queue_async("fulfillment", worker_concurrency=2)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@app.post("/orders")
async def create_order(order_id: str, customer: str, sku: str, qty: int, cents: int):
    handle = DBOS.start_workflow(process_order, Order(order_id, customer, sku, qty, cents))
    return {"workflow_id": handle.get_workflow_id()}
