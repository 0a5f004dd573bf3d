"""The shop's order service (served with `uvicorn shop:app`), with DBOS.

A notice is parked durably (a tiny workflow that publishes it as an event) and then also sent to its
order's workflow when that exists; an order first looks for a parked notice, then waits for a message.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, SetWorkflowID
from dbos._error import DBOSNonExistentWorkflowError
from fastapi import FastAPI
from pydantic import BaseModel

import inventory
import mailer
import shipping

PAYMENT_TIMEOUT_S = 30 * 60


@asynccontextmanager
async def lifespan(app: FastAPI):
    DBOS(config={"name": "shop", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": os.environ.get("SHOP_VERSION", "1")})
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


class Order(BaseModel):
    order_id: str
    email: str
    address: str
    items: list[str]


class PaymentNotice(BaseModel):
    order_id: str
    payment_id: str
    status: str


class Orders:
    @staticmethod
    @DBOS.workflow()
    def park(notice: dict) -> None:
        DBOS.set_event("notice", notice)

    @staticmethod
    @DBOS.workflow()
    def run(order: dict) -> str:
        oid = order["order_id"]
        DBOS.run_step(None, inventory.reserve, oid, order["items"])
        notice = DBOS.get_event(f"parked:{oid}", "notice", timeout_seconds=0)
        if notice is None:
            notice = DBOS.recv("psp", timeout_seconds=PAYMENT_TIMEOUT_S)
        if notice and notice["status"] == "paid":
            DBOS.run_step(None, shipping.ship, oid, order["address"])
            DBOS.run_step(None, mailer.send, order["email"], "Your order is on its way", oid)
            return "shipped"
        DBOS.run_step(None, inventory.release, oid)
        DBOS.run_step(None, mailer.send, order["email"], "Your order was cancelled", oid)
        return "cancelled"


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/orders", status_code=202)
def place_order(order: Order) -> dict:
    with SetWorkflowID(f"order:{order.order_id}"):
        DBOS.start_workflow(Orders.run, order.model_dump())
    return {"order_id": order.order_id, "status": "awaiting_payment"}


@app.post("/webhooks/psp")
def payment_webhook(notice: PaymentNotice) -> dict:
    with SetWorkflowID(f"parked:{notice.order_id}"):
        Orders.park(notice.model_dump())
    try:
        DBOS.send(f"order:{notice.order_id}", notice.model_dump(), "psp")
    except DBOSNonExistentWorkflowError:
        pass  # the order is not placed yet; it will find the parked notice
    return {"ok": True}
