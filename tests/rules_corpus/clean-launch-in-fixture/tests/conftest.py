import os

import pytest
from dbos import DBOS, DBOSConfig


@pytest.fixture()
def reset_dbos():
    DBOS.destroy()
    config: DBOSConfig = {
        "name": "todo-test",
        "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"],
    }
    DBOS(config=config)
    DBOS.reset_system_database()
    DBOS.launch()
    yield
    DBOS.destroy()
