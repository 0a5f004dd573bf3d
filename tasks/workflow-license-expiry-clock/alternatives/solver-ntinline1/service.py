"""The license service (served with `uvicorn service:app`). The shop calls it for every paid order."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI
from pydantic import BaseModel

import issuing


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "license-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        # Pinned: a restarted service resumes only the workflows of its own application version.
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # also resumes the licenses that were being issued when the service died
    try:
        yield
    finally:
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
    # Activation is slow: answer the shop at once, issue in a durable background workflow.
    # One workflow per order: a retried POST attaches to it instead of issuing again.
    with SetWorkflowID(f"license-{order.order_id}"):
        DBOS.start_workflow(issuing.issue_license, order.order_id, order.email, order.plan)
    return {"order_id": order.order_id, "status": "issuing"}
