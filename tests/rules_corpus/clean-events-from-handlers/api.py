import os

from fastapi import FastAPI
from dbos import DBOS

app = FastAPI()


@DBOS.workflow()
def approval(doc_id: str) -> str:
    DBOS.set_event("state", "pending")
    decision = DBOS.recv("decision", timeout_seconds=24 * 3600)
    DBOS.set_event("state", decision or "expired")
    return decision or "expired"


@app.post("/docs/{doc_id}/approve")
def approve(doc_id: str, workflow_id: str):
    DBOS.send(workflow_id, "approved", topic="decision")
    return {"ok": True}


@app.get("/docs/{workflow_id}")
def state(workflow_id: str):
    return {"state": DBOS.get_event(workflow_id, "state", timeout_seconds=1)}


if __name__ == "__main__":
    import uvicorn

    DBOS(config={"name": "docs", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
                 "application_version": "1"})
    DBOS.launch()
    uvicorn.run(app)
