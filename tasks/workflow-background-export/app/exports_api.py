"""Usage exports: customers ask for a CSV of their usage over some months; we build it in the background.

Run with: uvicorn exports_api:app
"""

import threading
import uuid

import sqlalchemy as sa
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

import billing
import notify
import storage
import warehouse

app = FastAPI(title="usage-exports")
engine = sa.create_engine(billing.database_url())
with engine.begin() as conn:
    billing.create_tables(conn)

# export_id -> {"export_id", "status", ...}; status is "running", then "done" or "failed"
JOBS: dict[str, dict] = {}


class ExportRequest(BaseModel):
    account_id: str
    months: list[str] = Field(min_length=1)  # "YYYY-MM"


def run_export(export_id: str, account_id: str, months: list[str]) -> None:
    try:
        rows: list[dict] = []
        for month in months:
            rows.extend(warehouse.query_usage(account_id, month))
        url = storage.upload_csv(f"{account_id}/{export_id}.csv", rows)
        with engine.begin() as conn:
            billing.charge_export(conn, account_id, export_id, len(rows))
        notify.export_ready(account_id, export_id, url)
        JOBS[export_id].update(status="done", rows=len(rows), url=url)
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
