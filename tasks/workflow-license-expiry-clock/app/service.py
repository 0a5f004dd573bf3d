"""The license service (served with `uvicorn service:app`). The shop calls it for every paid order."""

import threading

from fastapi import FastAPI
from pydantic import BaseModel

import issuing

app = FastAPI()


class Order(BaseModel):
    order_id: str
    email: str
    plan: str


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/licenses", status_code=202)
def order_paid(order: Order) -> dict:
    # Activation is slow: answer the shop at once, issue in the background.
    threading.Thread(target=issuing.issue_license, args=(order.order_id, order.email, order.plan)).start()
    return {"order_id": order.order_id, "status": "issuing"}
