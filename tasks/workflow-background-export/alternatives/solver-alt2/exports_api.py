"""Usage exports: customers ask for a CSV of their usage over some months; we build it in the background.

Run with: uvicorn exports_api:app          (needs DBOS_SYSTEM_DATABASE_URL)

Each export is a durable DBOS workflow whose workflow ID is the export id. Its progress is checkpointed step
by step (one warehouse query per month, the upload, the email), so an export that was running when the
service died is recovered when it comes back and finishes without uploading or emailing twice. The export's
status is read from DBOS, so it survives restarts too.
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


class ExportRequest(BaseModel):
    account_id: str
    months: list[str] = Field(min_length=1)  # "YYYY-MM"


@DBOS.step()
def query_usage(account_id: str, month: str) -> list[dict]:
    return warehouse.query_usage(account_id, month)


@DBOS.step()
def upload_csv(key: str, rows: list[dict]) -> str:
    return storage.upload_csv(key, rows)


@DBOS.step()
def send_export_ready(account_id: str, export_id: str, url: str) -> None:
    notify.export_ready(account_id, export_id, url)


@DBOS.workflow()
def run_export(account_id: str, months: list[str]) -> dict:
    export_id = DBOS.workflow_id  # the export id is the workflow id
    rows: list[dict] = []
    for month in months:
        rows.extend(query_usage(account_id, month))
    url = upload_csv(f"{account_id}/{export_id}.csv", rows)
    send_export_ready(account_id, export_id, url)
    return {"rows": len(rows), "url": url}


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "usage-exports",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1.0.0"),
    }
    DBOS(config=config)
    DBOS.launch()  # also recovers the exports that were running when the service stopped
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(title="usage-exports", lifespan=lifespan)


@app.post("/exports", status_code=202)
def start_export(request: ExportRequest) -> dict:
    export_id = f"exp-{uuid.uuid4().hex[:12]}"
    with SetWorkflowID(export_id):
        DBOS.start_workflow(run_export, request.account_id, request.months)  # durable before we answer
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
        return {"export_id": export_id, "status": "failed", "error": str(status.error or status.status)}
    return {"export_id": export_id, "status": "running"}  # ENQUEUED / PENDING
