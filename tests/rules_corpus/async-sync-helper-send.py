# expected-rules: async-sync-call
from dbos import DBOS


def report(parent_id: str, value: int) -> None:
    DBOS.send(parent_id, value, topic="result")


@DBOS.step()
async def compute(x: int) -> int:
    return x * 2


@DBOS.workflow()
async def worker(parent_id: str, x: int) -> None:
    report(parent_id, await compute(x))
