import asyncio

from dbos import DBOS

from . import channels


@DBOS.step()
async def send_push(user: str, text: str) -> None:
    await channels.push(user, text)


@DBOS.step()
async def send_email(user: str, text: str) -> None:
    await channels.email(user, text)


@DBOS.workflow()
async def notify_user(user: str, text: str) -> None:
    await send_push(user, text)
    ack = await DBOS.recv_async("ack", timeout_seconds=300)
    if ack is None:
        await send_email(user, text)


@DBOS.workflow()
async def broadcast(users: list[str], text: str) -> int:
    handles = [await DBOS.start_workflow_async(notify_user, u, text) for u in users]
    await asyncio.gather(*[h.get_result() for h in handles])
    await asyncio.gather(*[send_push(u, "summary") for u in users])
    return len(handles)
