import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "tickets",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": os.environ.get("APP_VERSION", "1"),
    }
    DBOS(config=config)
    DBOS.launch()
    await DBOS.register_queue_async("tickets", worker_concurrency=4)
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@DBOS.step()
def assign(ticket_id: str) -> str:
    return "agent-1"


@DBOS.workflow()
def triage(ticket_id: str) -> str:
    return assign(ticket_id)


@app.post("/tickets/{ticket_id}")
async def create(ticket_id: str):
    handle = await DBOS.enqueue_workflow_async("tickets", triage, ticket_id)
    return {"id": handle.get_workflow_id()}
