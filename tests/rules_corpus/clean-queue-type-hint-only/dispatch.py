from typing import Optional

from dbos import DBOS, Queue, WorkflowHandle


@DBOS.workflow()
def render(page: int) -> str:
    return f"page-{page}"


def submit_pages(queue: Queue, pages: list[int]) -> list[WorkflowHandle[str]]:
    return [queue.enqueue(render, p) for p in pages]


def find_queue(name: str) -> Optional[Queue]:
    return DBOS.retrieve_queue(name)
