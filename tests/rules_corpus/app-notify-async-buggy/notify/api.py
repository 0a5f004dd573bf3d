import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig

from .flows import broadcast


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "notify",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "1",
    }
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@app.post("/broadcast")
async def post_broadcast(users: list[str], text: str):
    handle = await DBOS.start_workflow_async(broadcast, users, text)
    return {"id": handle.get_workflow_id()}


@app.get("/ack")
async def wait_ack():
    return {"ack": await DBOS.recv_async("ack", timeout_seconds=10)}
