# expected-rules:
import asyncio

from dbos import DBOS


@DBOS.step()
def resize(image_id: str) -> str:
    return f"{image_id}-small"


async def resize_all(ids: list[str]) -> list[str]:
    return [await asyncio.to_thread(resize, i) for i in ids]


@DBOS.workflow()
async def thumbnails(ids: list[str]) -> list[str]:
    first = await asyncio.to_thread(resize, ids[0])
    return [first, *await resize_all(ids[1:])]
