import os

import pytest
from dbos import DBOS, DBOSConfig

from app import compute


@pytest.fixture()
def dbos_instance():
    config: DBOSConfig = {"name": "test-app", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
    DBOS(config=config)
    DBOS.launch()
    yield
    DBOS.destroy()


def test_compute(dbos_instance):
    assert compute(2) == 4
