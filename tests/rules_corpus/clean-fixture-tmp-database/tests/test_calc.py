import pytest
from dbos import DBOS

from calc import add


@pytest.fixture
def dbos(tmp_path):
    DBOS.destroy()
    DBOS(config={"name": "calc", "system_database_url": f"sqlite:///{tmp_path / 'dbos.sqlite'}"})
    DBOS.launch()
    yield
    DBOS.destroy()


def test_add(dbos):
    assert add(1, 2) == 3
