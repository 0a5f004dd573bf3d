import os
import time
import uuid

from fastapi import FastAPI
from dbos import DBOS, SetWorkflowID

app = FastAPI()


@DBOS.step()
def store(request_id: str, received_at: float, body: str) -> None:
    print(request_id, received_at, body)


@DBOS.workflow()
def ingest(request_id: str, received_at: float, body: str) -> str:
    store(request_id, received_at, body)
    return request_id


@app.post("/ingest")
def post_ingest(body: str):
    request_id = str(uuid.uuid4())
    with SetWorkflowID(request_id):
        DBOS.start_workflow(ingest, request_id, time.time(), body)
    return {"id": request_id}


if __name__ == "__main__":
    import uvicorn

    DBOS(config={"name": "ingest", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    uvicorn.run(app)
