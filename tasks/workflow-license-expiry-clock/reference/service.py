"""The license service (served with `uvicorn service:app`). The shop calls it for every paid order.

Each order's license is issued by a DBOS workflow whose id is the order id: a retried POST finds the
workflow already started, and a restarted service finishes the issuing that a crash interrupted.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI
from pydantic import BaseModel

import issuing


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {"name": "license-service", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": "license-service-1"}
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


class Order(BaseModel):
    order_id: str
    email: str
    plan: str


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/licenses", status_code=202)
def order_paid(order: Order) -> dict:
    # Activation is slow: answer the shop at once; the durable workflow issues in the background.
    with SetWorkflowID(f"license-{order.order_id}"):
        DBOS.start_workflow(issuing.issue_license, order.order_id, order.email, order.plan)
    return {"order_id": order.order_id, "status": "issuing"}
