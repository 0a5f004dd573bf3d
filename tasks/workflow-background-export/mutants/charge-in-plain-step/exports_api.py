"""Usage exports: customers ask for a CSV of their usage over some months; we build it in the background.

Run with: uvicorn exports_api:app

Each export is a DBOS workflow whose id is the export id. `POST /exports` starts it in the background and
returns at once; `GET /exports/{id}` reads the workflow's status (and its result once it is done), so an
export survives a restart of the service: DBOS recovers it when the app launches again.

The charge is a transaction of a DBOS datasource on the billing database: the charge row and DBOS's record
of that step commit together, so a pod dying right after the charge cannot make the recovered export
charge the customer again.
"""

import os
import uuid
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
import sqlalchemy as sa
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import billing
import notify
import storage
import warehouse

engine = sa.create_engine(billing.database_url())


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "usage-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.10",
    }
    DBOS(config=config)
    create_billing_tables()
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="usage-exports", lifespan=lifespan)


class ExportRequest(BaseModel):
    account_id: str
    months: list[str] = Field(min_length=1)  # "YYYY-MM"


@DBOS.step()
def query_month(account_id: str, month: str) -> list[dict]:
    return warehouse.query_usage(account_id, month)


@DBOS.step()
def upload(account_id: str, export_id: str, rows: list[dict]) -> str:
    return storage.upload_csv(f"{account_id}/{export_id}.csv", rows)


def create_billing_tables() -> None:
    with engine.begin() as conn:
        billing.create_tables(conn)


@DBOS.step()
def charge(account_id: str, export_id: str, rows: int) -> int:
    with engine.begin() as conn:
        return billing.charge_export(conn, account_id, export_id, rows)


@DBOS.step()
def tell_customer(account_id: str, export_id: str, url: str) -> None:
    notify.export_ready(account_id, export_id, url)


@DBOS.workflow()
def export_usage(export_id: str, account_id: str, months: list[str]) -> dict:
    rows: list[dict] = []
    for month in months:
        rows.extend(query_month(account_id, month))
    url = upload(account_id, export_id, rows)
    charge(account_id, export_id, len(rows))
    tell_customer(account_id, export_id, url)
    return {"rows": len(rows), "url": url}


@app.post("/exports", status_code=202)
def start_export(request: ExportRequest) -> dict:
    export_id = f"exp-{uuid.uuid4().hex[:12]}"
    with SetWorkflowID(export_id):
        DBOS.start_workflow(export_usage, export_id, request.account_id, request.months)
    return {"export_id": export_id, "status": "running"}


@app.get("/exports/{export_id}")
def export_status(export_id: str) -> dict:
    status = DBOS.get_workflow_status(export_id)
    if status is None:
        raise HTTPException(status_code=404, detail="no such export")
    if status.status == "SUCCESS":
        return {"export_id": export_id, "status": "done", **DBOS.retrieve_workflow(export_id).get_result()}
    if status.status in ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        return {"export_id": export_id, "status": "failed", "error": str(status.error or status.status)}
    return {"export_id": export_id, "status": "running"}
