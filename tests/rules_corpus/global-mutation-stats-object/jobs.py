from dataclasses import dataclass

from dbos import DBOS


@dataclass
class Stats:
    processed: int = 0
    failed: int = 0


stats = Stats()


@DBOS.step()
def handle(job: dict) -> bool:
    ok = bool(job.get("payload"))
    if ok:
        stats.processed += 1
    else:
        stats.failed += 1
    return ok


@DBOS.workflow()
def run_jobs(jobs: list[dict]) -> int:
    return sum(handle(j) for j in jobs)
