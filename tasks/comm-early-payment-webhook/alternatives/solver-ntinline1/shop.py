"""The shop's order service (served with `uvicorn shop:app`).

POST /orders         the checkout page places an order; we hold the stock and wait for its payment
POST /webhooks/psp   our payment provider (PSP) tells us whether an order's payment went through

Both are durable with DBOS:
- each order runs as the workflow `order-<order_id>`, which survives restarts;
- each payment notice is recorded, before we answer 200, by the workflow `psp-notice-<order_id>`,
  which publishes it as the event "payment". The order workflow waits on that event, so a notice
  that arrives before its order, while it waits, or across a restart is never lost.
"""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, Optional

from fastapi import FastAPI
from pydantic import BaseModel

from dbos import DBOS, DBOSConfig, SetWorkflowID

import inventory
import mailer
import shipping

PAYMENT_TIMEOUT_S = 30 * 60  # an order waits up to 30 minutes for its payment
PAYMENT_EVENT = "payment"


def order_workflow_id(order_id: str) -> str:
    return f"order-{order_id}"


def notice_workflow_id(order_id: str) -> str:
    return f"psp-notice-{order_id}"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "shop",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
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
    status: str  # "paid" or "failed"


@DBOS.step()
def reserve_items(order_id: str, items: list[str]) -> None:
    inventory.reserve(order_id, items)


@DBOS.step()
def release_items(order_id: str) -> None:
    inventory.release(order_id)


@DBOS.step()
def ship_order(order_id: str, address: str) -> None:
    shipping.ship(order_id, address)


@DBOS.step()
def send_email(to: str, subject: str, order_id: str) -> None:
    mailer.send(to, subject, order_id)


@DBOS.workflow()
def record_payment_notice(notice: dict[str, Any]) -> None:
    """Durably store a PSP notice where the order's workflow can find it."""
    DBOS.set_event(PAYMENT_EVENT, notice)


@DBOS.workflow()
def fulfil(order: dict[str, Any]) -> str:
    order_id = order["order_id"]
    reserve_items(order_id, order["items"])
    notice: Optional[dict[str, Any]] = DBOS.get_event(
        notice_workflow_id(order_id), PAYMENT_EVENT, timeout_seconds=PAYMENT_TIMEOUT_S
    )
    if notice is None or notice.get("status") != "paid":
        release_items(order_id)
        send_email(order["email"], "Your order was cancelled", order_id)
        return "cancelled"
    ship_order(order_id, order["address"])
    send_email(order["email"], "Your order is on its way", order_id)
    return "shipped"


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/orders", status_code=202)
def place_order(order: Order) -> dict:
    # One workflow per order id: a repeated POST attaches to the same workflow.
    with SetWorkflowID(order_workflow_id(order.order_id)):
        DBOS.start_workflow(fulfil, order.model_dump())
    return {"order_id": order.order_id, "status": "awaiting_payment"}


@app.post("/webhooks/psp")
def payment_webhook(notice: PaymentNotice) -> dict:
    # Recorded durably (the workflow completes) before we acknowledge the notice.
    with SetWorkflowID(notice_workflow_id(notice.order_id)):
        record_payment_notice(notice.model_dump())
    return {"ok": True}
