import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig

REPORTS_QUEUE = "reports"


def setup_queues() -> None:
    DBOS.register_queue(REPORTS_QUEUE, worker_concurrency=2)


@asynccontextmanager
async def lifespan(app):
    config: DBOSConfig = {
        "name": "reports-api",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
        "application_version": "2024.06",
    }
    DBOS(config=config)
    setup_queues()
    DBOS.launch()
    yield
    DBOS.destroy()
