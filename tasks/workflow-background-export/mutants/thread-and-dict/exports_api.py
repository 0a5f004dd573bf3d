"""Usage exports: customers ask for a CSV of their usage over some months; we build it in the background.

Run with: uvicorn exports_api:app

The export itself is a DBOS workflow, run on a background thread so the request returns at once.
"""

import os
import threading
import uuid
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import notify
import storage
import warehouse


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "usage-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.10",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(title="usage-exports", lifespan=lifespan)

# export_id -> {"export_id", "status", ...}; status is "running", then "done" or "failed"
JOBS: dict[str, dict] = {}


class ExportRequest(BaseModel):
    account_id: str
    months: list[str] = Field(min_length=1)  # "YYYY-MM"


@DBOS.step()
def query_month(account_id: str, month: str) -> list[dict]:
    return warehouse.query_usage(account_id, month)


@DBOS.step()
def upload(account_id: str, export_id: str, rows: list[dict]) -> str:
    return storage.upload_csv(f"{account_id}/{export_id}.csv", rows)


@DBOS.step()
def tell_customer(account_id: str, export_id: str, url: str) -> None:
    notify.export_ready(account_id, export_id, url)


@DBOS.workflow()
def export_usage(export_id: str, account_id: str, months: list[str]) -> dict:
    rows: list[dict] = []
    for month in months:
        rows.extend(query_month(account_id, month))
    url = upload(account_id, export_id, rows)
    tell_customer(account_id, export_id, url)
    return {"rows": len(rows), "url": url}


def run_export(export_id: str, account_id: str, months: list[str]) -> None:
    try:
        with SetWorkflowID(export_id):
            result = export_usage(export_id, account_id, months)
        JOBS[export_id].update(status="done", **result)
    except Exception as exc:  # noqa: BLE001 - report any failure to the client
        JOBS[export_id].update(status="failed", error=str(exc))


@app.post("/exports", status_code=202)
def start_export(request: ExportRequest) -> dict:
    export_id = f"exp-{uuid.uuid4().hex[:12]}"
    JOBS[export_id] = {"export_id": export_id, "status": "running"}
    threading.Thread(target=run_export, args=(export_id, request.account_id, request.months), daemon=True).start()
    return {"export_id": export_id, "status": "running"}


@app.get("/exports/{export_id}")
def export_status(export_id: str) -> dict:
    job = JOBS.get(export_id)
    if job is None:
        raise HTTPException(status_code=404, detail="no such export")
    return job
