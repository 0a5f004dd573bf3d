import os

from dbos import DBOS

from app import double


class TestDouble:
    def setup_method(self):
        DBOS.destroy()
        DBOS(config={"name": "t", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]})
        DBOS.reset_system_database()
        DBOS.launch()

    def teardown_method(self):
        DBOS.destroy()

    def test_double(self):
        assert double(2) == 4
