import os

import pytest
import sqlalchemy as sa
from dbos import DBOS, DBOSConfig

ADMIN_URL = os.environ.get("TEST_ADMIN_URL", "postgresql://postgres@localhost/postgres")
SYSTEM_URL = os.environ.get("TEST_SYSTEM_URL", "postgresql://postgres@localhost/ledger_test_sys")


def recreate_database(name: str) -> None:
    engine = sa.create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(sa.text(f"CREATE DATABASE {name}"))
    engine.dispose()


def make_config() -> DBOSConfig:
    return {"name": "ledger-test", "system_database_url": SYSTEM_URL}


@pytest.fixture()
def clean_databases():
    recreate_database("ledger_test_sys")
    yield


@pytest.fixture()
def dbos(clean_databases):
    DBOS.destroy(destroy_registry=False)
    DBOS(config=make_config())
    DBOS.launch()
    yield
    DBOS.destroy(destroy_registry=False)
