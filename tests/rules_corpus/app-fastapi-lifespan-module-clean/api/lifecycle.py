import logging
import os
from contextlib import asynccontextmanager

from dbos import DBOS, DBOSConfig

log = logging.getLogger(__name__)
REPORTS_QUEUE = "reports"


def dbos_config() -> DBOSConfig:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if url is None:
        raise RuntimeError("set DBOS_SYSTEM_DATABASE_URL to the system database")
    return {"name": "reports-api", "system_database_url": url, "application_version": "2024.06"}


@asynccontextmanager
async def lifespan(app):
    DBOS(config=dbos_config())
    DBOS.launch()
    await DBOS.register_queue_async(REPORTS_QUEUE, worker_concurrency=2)
    log.info("DBOS launched")
    yield
    DBOS.destroy()
