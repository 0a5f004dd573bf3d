import asyncio

from dbos import DBOS

from . import channels


@DBOS.step()
async def send_push(user: str, text: str) -> None:
    await channels.push(user, text)


@DBOS.step()
async def send_email(user: str, text: str) -> None:
    await channels.email(user, text)


async def notify_user(user: str, text: str) -> None:
    await send_push(user, text)
    await send_email(user, text)


@DBOS.workflow()
async def broadcast(users: list[str], text: str) -> int:
    await asyncio.gather(*[notify_user(u, text) for u in users])
    DBOS.set_event("sent", len(users))
    return len(users)
