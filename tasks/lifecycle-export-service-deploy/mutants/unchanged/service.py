"""Our account service (served with `uvicorn service:app`)."""

import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig
from fastapi import BackgroundTasks, FastAPI
from pydantic import BaseModel

import exports
import onboarding


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {"name": "account-service", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
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
def request_export(body: ExportRequest, background: BackgroundTasks) -> dict:
    # Exports take minutes on real accounts: answer at once and build the files in the background.
    background.add_task(exports.export_usage, body.export_id, body.account_id, body.email, body.months)
    return {"export_id": body.export_id, "status": "started"}
