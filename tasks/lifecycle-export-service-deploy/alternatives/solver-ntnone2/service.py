"""Our account service (served with `uvicorn service:app`)."""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig, SetWorkflowID
from fastapi import FastAPI
from pydantic import BaseModel

import exports
import onboarding

# DBOS only recovers interrupted workflows that were started by the same application version. By default
# that version is a hash of the workflow code, so any deploy (e.g. a new release of `onboarding.py`) would
# strand the exports and welcome series that were in flight. Our releases keep the steps of existing
# workflows unchanged, so we pin the version: the restarted service finishes whatever was interrupted,
# whatever code was deployed in between. Bump it only for a release that changes a workflow's steps.
APPLICATION_VERSION = "account-service-1"


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "account-service",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": APPLICATION_VERSION,
    }
    DBOS(config=config)
    DBOS.launch()
    yield
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
    # Exports take minutes on real accounts: answer at once and build the files in a durable workflow,
    # which the service resumes after a crash or a deploy.
    with SetWorkflowID(f"export-{body.export_id}"):
        DBOS.start_workflow(exports.export_usage, body.export_id, body.account_id, body.email, body.months)
    return {"export_id": body.export_id, "status": "started"}
