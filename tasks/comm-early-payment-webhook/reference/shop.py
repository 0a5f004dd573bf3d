"""The shop's order service (served with `uvicorn shop:app`).

POST /orders         the checkout page places an order; we hold the stock and wait for its payment
POST /webhooks/psp   our payment provider (PSP) tells us whether an order's payment went through

Each order is a DBOS workflow (id `order-<order_id>`). A payment notice is recorded before we answer the
PSP by a small workflow of its own (id `psp-notice-<order_id>`) that publishes it as an event. The order
reads that event, which works whichever arrives first: `DBOS.send` to an order whose workflow does not
exist yet would fail, and the PSP never sends a notice twice. A paid order is booked in finance's ledger by a
transaction of the ledger datasource, which commits the row together with the workflow's checkpoint: a crash
right after the booking never books it again when the order is recovered.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID, SQLAlchemyDatasource
from fastapi import FastAPI
from pydantic import BaseModel

import inventory
import ledger
import mailer
import shipping

PAYMENT_TIMEOUT_S = 30 * 60  # an order waits up to 30 minutes for its payment
NOTICE_EVENT = "payment_notice"

# Created at import: datasources must exist before DBOS.launch(). It opens the ledger database only.
payments_ledger = SQLAlchemyDatasource.create(ledger.database_url())


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {"name": "shop-orders", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "shop-orders-1"}
    DBOS(config=config)
    ledger.create_tables(payments_ledger.engine)
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
    status: str  # "paid" or "failed"


def notice_workflow_id(order_id: str) -> str:
    return f"psp-notice-{order_id}"


@DBOS.workflow()
def record_payment_notice(notice: dict) -> None:
    DBOS.set_event(NOTICE_EVENT, notice)


@DBOS.step()
def reserve(order: dict) -> None:
    inventory.reserve(order["order_id"], order["items"])


@DBOS.step()
def release(order: dict) -> None:
    inventory.release(order["order_id"])


@payments_ledger.transaction()
def book_payment(order: dict, payment_id: str) -> None:
    ledger.book_payment(payments_ledger.sql_session(), order["order_id"], payment_id)


@DBOS.step()
def ship(order: dict) -> None:
    shipping.ship(order["order_id"], order["address"])


@DBOS.step()
def email(order: dict, subject: str) -> None:
    mailer.send(order["email"], subject, order["order_id"])


@DBOS.workflow()
def fulfil(order: dict) -> str:
    reserve(order)
    notice = DBOS.get_event(notice_workflow_id(order["order_id"]), NOTICE_EVENT, timeout_seconds=PAYMENT_TIMEOUT_S)
    if notice is None or notice["status"] != "paid":
        release(order)
        email(order, "Your order was cancelled")
        return "cancelled"
    book_payment(order, notice["payment_id"])
    ship(order)
    email(order, "Your order is on its way")
    return "shipped"


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/orders", status_code=202)
def place_order(order: Order) -> dict:
    with SetWorkflowID(f"order-{order.order_id}"):
        DBOS.start_workflow(fulfil, order.model_dump())
    return {"order_id": order.order_id, "status": "awaiting_payment"}


@app.post("/webhooks/psp")
def payment_webhook(notice: PaymentNotice) -> dict:
    with SetWorkflowID(notice_workflow_id(notice.order_id)):
        record_payment_notice(notice.model_dump())  # recorded durably before we acknowledge
    return {"ok": True}
