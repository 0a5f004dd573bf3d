import logging
import time

from dbos import DBOS

log = logging.getLogger("batch")


@DBOS.step()
def process(item: int) -> int:
    return item + 1


@DBOS.workflow()
def run_batch(items: list[int]) -> int:
    started = time.perf_counter()
    total = sum(process(i) for i in items)
    log.info("batch took %.2fs", time.perf_counter() - started)
    return total
