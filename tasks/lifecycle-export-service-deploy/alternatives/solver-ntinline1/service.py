"""Our account service (served with `uvicorn service:app`)."""

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI
from pydantic import BaseModel

import exports
import onboarding

# Pinned on purpose: DBOS recovers (after a crash or a deploy) only the workflows of the running
# application version. Without it the version is a hash of the workflows' source, so any release of
# onboarding.py or exports.py would orphan the exports and welcome series in flight. Change it only
# together with a plan for draining the workflows of the previous version.
APPLICATION_VERSION = "1.0.0"


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    config: DBOSConfig = {
        "name": "account-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    try:
        yield
    finally:
        DBOS.destroy()


app = FastAPI(lifespan=lifespan)


class Signup(BaseModel):
    email: str


class ExportRequest(BaseModel):
    export_id: str
    account_id: str
    email: str
    months: list[str]


@app.get("/healthz")
def healthz() -> dict:
    return {"ok": True}


@app.post("/signups", status_code=202)
def signup(body: Signup) -> dict:
    DBOS.start_workflow(onboarding.welcome_series, body.email)
    return {"email": body.email}


@app.post("/exports", status_code=202)
def request_export(body: ExportRequest) -> dict:
    # Exports take minutes on real accounts: answer at once and build the files in a durable
    # background workflow. One workflow per export id, so a repeated request doesn't export twice.
    with SetWorkflowID(f"export-{body.export_id}"):
        DBOS.start_workflow(exports.export_usage, body.export_id, body.account_id, body.email, body.months)
    return {"export_id": body.export_id, "status": "started"}
