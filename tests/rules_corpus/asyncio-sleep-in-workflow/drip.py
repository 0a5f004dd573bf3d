import asyncio

from dbos import DBOS


@DBOS.step()
async def send(user: str, n: int) -> None:
    print("email", n, "to", user)


@DBOS.workflow()
async def drip_campaign(user: str) -> None:
    for n in range(3):
        await send(user, n)
        await asyncio.sleep(24 * 3600)
