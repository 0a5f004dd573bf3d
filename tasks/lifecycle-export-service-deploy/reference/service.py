"""Our account service (served with `uvicorn service:app`).

The application version is pinned: DBOS's default version is a hash of the source of every workflow in the
service (the growth team's onboarding included), so after a deploy the restarted service would not recover
the exports the previous process left in flight. Releases never change the steps of a workflow in flight.
"""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig
from fastapi import FastAPI
from pydantic import BaseModel

import exports
import onboarding

APP_VERSION = "account-service-1"  # bump only for a release in-flight workflows must not resume on


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {"name": "account-service", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                          "application_version": APP_VERSION}
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
    # Exports take minutes on real accounts: answer at once; the durable workflow builds the files.
    DBOS.start_workflow(exports.export_usage, body.export_id, body.account_id, body.email, body.months)
    return {"export_id": body.export_id, "status": "started"}
