import os

from fastapi import FastAPI
from dbos import DBOS

app = FastAPI()
DBOS(fastapi=app, config={
    "name": "legacy-api",
    "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    "application_version": "1",
})


@DBOS.step()
def lookup(user_id: int) -> dict:
    return {"id": user_id}


@app.get("/users/{user_id}")
@DBOS.workflow()
def get_user(user_id: int) -> dict:
    return lookup(user_id)
