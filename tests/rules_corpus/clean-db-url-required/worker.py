import logging
import os
import sys

from dbos import DBOS, DBOSConfig

log = logging.getLogger("worker")
CACHE_URL = os.environ.get("CACHE_URL", "sqlite:///cache.sqlite")


def system_database_url() -> str:
    url = os.environ.get("DBOS_SYSTEM_DATABASE_URL")
    if url:
        return url
    if os.environ.get("APP_ENV") == "development":
        log.warning("DBOS_SYSTEM_DATABASE_URL is unset; development mode uses ./dev_system.sqlite")
        return "sqlite:///dev_system.sqlite"
    sys.exit("DBOS_SYSTEM_DATABASE_URL is not set: point it at the system database (postgresql://...)")


@DBOS.workflow()
def tick() -> int:
    return 1


def main() -> None:
    config: DBOSConfig = {
        "name": "worker",
        "system_database_url": system_database_url(),
        "application_version": os.environ.get("APP_VERSION", "1"),
    }
    DBOS(config=config)
    DBOS.launch()
    tick()


if __name__ == "__main__":
    main()
