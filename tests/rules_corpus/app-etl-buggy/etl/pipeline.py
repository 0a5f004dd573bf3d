import os
import sys
import time

from dbos import DBOS, DBOSConfig

from etl import sources


@DBOS.step()
def extract(source: str, page: int) -> list[dict]:
    for attempt in range(5):
        try:
            return sources.fetch_page(source, page)
        except OSError:
            time.sleep(0.5 * (attempt + 1))
    return []


@DBOS.step()
def upstream_ready(source: str) -> bool:
    return sources.DATA.joinpath(source, "READY").exists()


@DBOS.workflow()
def ingest_source(source: str) -> int:
    while not upstream_ready(source):
        time.sleep(5)
    total, page = 0, 0
    while True:
        rows = extract(source, page)
        if not rows:
            break
        total += len(rows)
        page += 1
    return total


def main(names: list[str]) -> None:
    config: DBOSConfig = {
        "name": "etl",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("ingest", worker_concurrency=3)
    for name in names:
        DBOS.enqueue_workflow("ingest", ingest_source, name)


if __name__ == "__main__":
    main(sys.argv[1:])
