import os

from dbos import DBOS, DBOSConfig

config: DBOSConfig = {
    "name": "shop",
    "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    "application_version": "1",
}
DBOS(config=config)
