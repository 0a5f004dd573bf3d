import asyncio

from dbos import DBOS


@DBOS.workflow()
async def worker(task: str) -> str:
    await DBOS.set_event_async("done", True)
    return task


@DBOS.workflow()
async def coordinator(tasks: list[str]) -> int:
    handles = [await DBOS.start_workflow_async(worker, t) for t in tasks]
    for handle in handles:
        while not await DBOS.get_event_async(handle.get_workflow_id(), "done", timeout_seconds=0):
            await DBOS.sleep_async(1)
    return len(handles)
