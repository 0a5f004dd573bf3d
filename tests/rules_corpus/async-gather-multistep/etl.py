import asyncio

from dbos import DBOS


@DBOS.step()
async def extract(source: str) -> list[int]:
    return [1, 2, 3]


@DBOS.step()
async def load(source: str, rows: list[int]) -> int:
    return len(rows)


async def process_source(source: str) -> int:
    rows = await extract(source)
    return await load(source, rows)


@DBOS.workflow()
async def nightly(sources: list[str]) -> int:
    counts = await asyncio.gather(*[process_source(s) for s in sources])
    return sum(counts)
