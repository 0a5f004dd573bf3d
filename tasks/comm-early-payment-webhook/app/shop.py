"""The shop's order service (served with `uvicorn shop:app`).

POST /orders         the checkout page places an order; we hold the stock and wait for its payment
POST /webhooks/psp   our payment provider (PSP) tells us whether an order's payment went through

A paid order is booked in finance's payment ledger (`ledger.py`, the `payments` table) before it ships.
"""

import threading
from contextlib import asynccontextmanager

import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import BaseModel
from sqlalchemy.orm import Session

import inventory
import ledger
import mailer
import shipping

PAYMENT_TIMEOUT_S = 30 * 60  # an order waits up to 30 minutes for its payment

ledger_db = sa.create_engine(ledger.database_url())


@asynccontextmanager
async def lifespan(app: FastAPI):
    ledger.create_tables(ledger_db)
    yield


app = FastAPI(lifespan=lifespan)
_payments: dict[str, dict] = {}  # payment notices by order id
_arrived = threading.Condition()


class Order(BaseModel):
    order_id: str
    email: str
    address: str
    items: list[str]


class PaymentNotice(BaseModel):
    order_id: str
    payment_id: str
    status: str  # "paid" or "failed"


def fulfil(order: Order) -> None:
    inventory.reserve(order.order_id, order.items)
    with _arrived:
        _arrived.wait_for(lambda: order.order_id in _payments, timeout=PAYMENT_TIMEOUT_S)
        notice = _payments.get(order.order_id)
    if notice is None or notice["status"] != "paid":
        inventory.release(order.order_id)
        mailer.send(order.email, "Your order was cancelled", order.order_id)
        return
    with Session(ledger_db) as session, session.begin():
        ledger.book_payment(session, order.order_id, notice["payment_id"])
    shipping.ship(order.order_id, order.address)
    mailer.send(order.email, "Your order is on its way", order.order_id)


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/orders", status_code=202)
def place_order(order: Order) -> dict:
    threading.Thread(target=fulfil, args=(order,), daemon=True).start()
    return {"order_id": order.order_id, "status": "awaiting_payment"}


@app.post("/webhooks/psp")
def payment_webhook(notice: PaymentNotice) -> dict:
    with _arrived:
        _payments[notice.order_id] = notice.model_dump()
        _arrived.notify_all()
    return {"ok": True}
