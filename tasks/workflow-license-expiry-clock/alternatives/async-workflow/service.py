"""The license service (served with `uvicorn service:app`)."""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, SetWorkflowID
from fastapi import FastAPI
from pydantic import BaseModel

import issuing


@asynccontextmanager
async def lifespan(app: FastAPI):
    DBOS(config={"name": "licenses", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": os.environ.get("LICENSES_APP_VERSION", "1.0")})
    DBOS.launch()
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
async def healthz() -> dict:
    return {"ok": True}


@app.post("/licenses", status_code=202)
async def order_paid(order: Order) -> dict:
    with SetWorkflowID(f"order:{order.order_id}"):
        await DBOS.start_workflow_async(issuing.issue_license, order.order_id, order.email, order.plan)
    return {"order_id": order.order_id, "status": "issuing"}
