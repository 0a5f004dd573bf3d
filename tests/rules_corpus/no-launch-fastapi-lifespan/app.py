import os
from contextlib import asynccontextmanager

from fastapi import FastAPI
from dbos import DBOS, DBOSConfig


@asynccontextmanager
async def lifespan(app: FastAPI):
    config: DBOSConfig = {
        "name": "signup",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024-06-01",
    }
    DBOS(config=config)
    yield
    DBOS.destroy()


app = FastAPI(lifespan=lifespan)


@DBOS.step()
def send_welcome(email: str) -> None:
    print(f"welcome {email}")


@DBOS.workflow()
def signup(email: str) -> str:
    send_welcome(email)
    return email


@app.post("/signup")
async def post_signup(email: str):
    handle = await DBOS.start_workflow_async(signup, email)
    return {"id": handle.get_workflow_id()}
