import os

from fastapi import FastAPI
from dbos import DBOS

app = FastAPI()


@DBOS.workflow()
def nightly(day: str) -> str:
    return day


@app.on_event("startup")
def start_dbos() -> None:
    DBOS(config={"name": "nightly", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "9"})
    DBOS.launch()
    DBOS.register_queue("nightly", worker_concurrency=1)


@app.on_event("shutdown")
def stop_dbos() -> None:
    DBOS.destroy()


@app.post("/run/{day}")
def run(day: str):
    return {"id": DBOS.enqueue_workflow("nightly", nightly, day).get_workflow_id()}
