import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS


@DBOS.workflow()
def job(n: int) -> int:
    return n


@asynccontextmanager
async def lifespan(app: FastAPI):
    DBOS(config={"name": "jobs", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    DBOS.register_queue("jobs", worker_concurrency=2)
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@app.post("/jobs/{n}")
async def post_job(n: int):
    handle = await DBOS.enqueue_workflow_async("jobs", job, n)
    return {"id": handle.get_workflow_id()}
