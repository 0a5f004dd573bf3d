"""Usage exports: customers ask for a CSV of their usage over some months; we build it in the background.

Run with: uvicorn exports_api:app
Requires: DBOS_SYSTEM_DATABASE_URL (Postgres URL of the DBOS system database).

Each export is a durable DBOS workflow whose workflow ID is the export id. Every warehouse query, the
upload and the email are checkpointed steps, so an export interrupted by a restart is resumed when the
service comes back, without uploading the file or emailing the customer twice. The export's status is
read from DBOS, so it survives restarts too.
"""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, Field

from dbos import DBOS, DBOSConfig, SetWorkflowID

import notify
import storage
import warehouse


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "usage-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # resumes exports interrupted by a restart
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="usage-exports", lifespan=lifespan)


class ExportRequest(BaseModel):
    account_id: str
    months: list[str] = Field(min_length=1)  # "YYYY-MM"


# --- steps ---


@DBOS.step(retries_allowed=True, max_attempts=3)  # read-only query: safe to retry
def query_usage(account_id: str, month: str) -> list[dict]:
    return warehouse.query_usage(account_id, month)


@DBOS.step()
def upload_csv(key: str, rows: list[dict]) -> str:
    return storage.upload_csv(key, rows)


@DBOS.step()
def export_ready(account_id: str, export_id: str, url: str) -> None:
    notify.export_ready(account_id, export_id, url)


# --- workflow ---


@DBOS.workflow()
def run_export(export_id: str, account_id: str, months: list[str]) -> dict:
    rows: list[dict] = []
    for month in months:
        rows.extend(query_usage(account_id, month))
    url = upload_csv(f"{account_id}/{export_id}.csv", rows)
    export_ready(account_id, export_id, url)
    return {"rows": len(rows), "url": url}


# --- HTTP interface (sync routes run in a worker thread: sync DBOS calls are fine) ---


@app.post("/exports", status_code=202)
def start_export(request: ExportRequest) -> dict:
    export_id = f"exp-{uuid.uuid4().hex[:12]}"
    with SetWorkflowID(export_id):
        DBOS.start_workflow(run_export, export_id, request.account_id, request.months)
    return {"export_id": export_id, "status": "running"}


@app.get("/exports/{export_id}")
def export_status(export_id: str) -> dict:
    status = DBOS.get_workflow_status(export_id)
    if status is None:
        raise HTTPException(status_code=404, detail="no such export")
    if status.status == "SUCCESS":
        result = DBOS.retrieve_workflow(export_id).get_result()
        return {"export_id": export_id, "status": "done", "rows": result["rows"], "url": result["url"]}
    if status.status in ("ERROR", "CANCELLED", "MAX_RECOVERY_ATTEMPTS_EXCEEDED"):
        job = {"export_id": export_id, "status": "failed"}
        error = getattr(status, "error", None)
        if error is not None:
            job["error"] = str(error)
        return job
    return {"export_id": export_id, "status": "running"}  # ENQUEUED / PENDING
