import os

import pytest
from dbos import DBOS


@pytest.fixture()
def dbos():
    DBOS.destroy()
    DBOS(config={"name": "t", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]})
    DBOS.launch()
    DBOS.reset_system_database()
    yield
    DBOS.destroy()
