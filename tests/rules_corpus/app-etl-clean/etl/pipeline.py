import os
import sys

import sqlalchemy as sa
from dbos import DBOS, DBOSConfig, SQLAlchemyDatasource, SetWorkflowID

from etl import sources

warehouse = SQLAlchemyDatasource.create(os.environ["WAREHOUSE_URL"])


@DBOS.step(retries_allowed=True, max_attempts=4, interval_seconds=0.5)
def extract(source: str, page: int) -> list[dict]:
    return sources.fetch_page(source, page)


def clean(rows: list[dict]) -> list[dict]:
    return [{"id": r["id"], "value": float(r.get("value", 0))} for r in rows if "id" in r]


@warehouse.transaction()
def load(source: str, rows: list[dict]) -> int:
    session = warehouse.sql_session()
    for row in rows:
        session.execute(sa.text("INSERT INTO facts(source, id, value) VALUES (:s, :i, :v)"),
                        {"s": source, "i": row["id"], "v": row["value"]})
    return len(rows)


@DBOS.workflow()
def ingest_source(source: str) -> int:
    total, page = 0, 0
    while True:
        rows = extract(source, page)
        if not rows:
            break
        total += load(source, clean(rows))
        page += 1
    DBOS.set_event("rows", total)
    return total


@DBOS.workflow()
def nightly(sources_to_load: list[str]) -> int:
    handles = [DBOS.enqueue_workflow("ingest", ingest_source, s) for s in sources_to_load]
    return sum(h.get_result() for h in handles)


def main(day: str, names: list[str]) -> None:
    config: DBOSConfig = {
        "name": "etl",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.09",
    }
    DBOS(config=config)
    DBOS.launch()
    DBOS.register_queue("ingest", worker_concurrency=3, limiter={"limit": 10, "period": 1.0})
    with SetWorkflowID(f"nightly-{day}"):
        print(nightly(names))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
