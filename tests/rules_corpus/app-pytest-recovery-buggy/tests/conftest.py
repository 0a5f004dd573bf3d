import pytest
from dbos import DBOS, DBOSConfig

SYSTEM_URL = "postgresql://postgres@localhost/ledger_test_sys"


def make_config() -> DBOSConfig:
    return {"name": "ledger-test", "system_database_url": SYSTEM_URL}


@pytest.fixture()
def dbos():
    DBOS.destroy(destroy_registry=False)
    DBOS(config=make_config())
    DBOS.launch()
    yield
    DBOS.destroy(destroy_registry=False)
