import os

import pytest
from dbos import DBOS, DBOSConfig


def fresh_dbos() -> None:
    DBOS.destroy(destroy_registry=False)
    config: DBOSConfig = {"name": "t", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
    DBOS(config=config)
    DBOS.reset_system_database()


@pytest.fixture
def dbos():
    fresh_dbos()
    DBOS.launch()
    yield
    DBOS.destroy()
