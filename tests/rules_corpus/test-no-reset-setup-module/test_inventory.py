import os

from dbos import DBOS

from inventory import stock_level


def setup_module():
    DBOS(config={"name": "inv-test", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]})
    DBOS.launch()


def teardown_module():
    DBOS.destroy()


def test_stock_level(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stock.txt").write_text("7")
    assert stock_level() == 7
