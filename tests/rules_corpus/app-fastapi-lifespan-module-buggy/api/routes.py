from fastapi import APIRouter
from dbos import DBOS

from api.lifecycle import REPORTS_QUEUE
from api.workflows import build_report


def read_progress(workflow_id: str) -> str | None:
    return DBOS.get_event(workflow_id, "progress", timeout_seconds=0)


router = APIRouter()


@router.post("/reports/{name}")
async def start_report(name: str) -> dict:
    handle = await DBOS.enqueue_workflow_async(REPORTS_QUEUE, build_report, name)
    return {"workflow_id": handle.get_workflow_id()}


@router.get("/reports/{workflow_id}")
async def report_status(workflow_id: str) -> dict:
    return {"progress": read_progress(workflow_id)}
