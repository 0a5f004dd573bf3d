import uuid

import pytest
from dbos import DBOS


@pytest.fixture
def dbos():
    DBOS.destroy()
    DBOS(config={"name": "t", "system_database_url": f"sqlite:///test-{uuid.uuid4().hex}.sqlite"})
    DBOS.launch()
    yield
    DBOS.destroy()
