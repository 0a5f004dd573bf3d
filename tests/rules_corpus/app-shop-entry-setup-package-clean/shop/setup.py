import os

from dbos import DBOS, DBOSConfig

ORDERS_QUEUE = "orders"


def configure() -> None:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if not url:
        raise SystemExit("DBOS_SYSTEM_DATABASE_URL is not set")
    config: DBOSConfig = {
        "name": "shop",
        "system_database_url": url,
        "application_version": os.environ.get("APP_VERSION", "1"),
    }
    DBOS(config=config)


def register_queues() -> None:
    DBOS.register_queue(ORDERS_QUEUE, worker_concurrency=4)
