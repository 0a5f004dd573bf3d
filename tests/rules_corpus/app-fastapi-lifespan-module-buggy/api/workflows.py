import asyncio

from dbos import DBOS


@DBOS.step()
def render(name: str) -> str:
    return f"report {name}"


@DBOS.workflow()
async def build_report(name: str) -> str:
    loop = asyncio.get_running_loop()
    text = await loop.run_in_executor(None, render, name)
    await DBOS.set_event_async("progress", "done")
    return text
