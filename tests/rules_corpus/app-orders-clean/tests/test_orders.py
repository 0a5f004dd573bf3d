import os

import pytest
from dbos import DBOS, DBOSConfig


@pytest.fixture()
def dbos_app():
    DBOS.destroy()
    config: DBOSConfig = {"name": "orders-test", "system_database_url": os.environ["DBOS_SYSTEM_DATABASE_URL"]}
    DBOS(config=config)
    DBOS.reset_system_database()
    DBOS.launch()
    DBOS.register_queue("fulfillment", worker_concurrency=2)
    yield
    DBOS.destroy()


def test_order_flow(dbos_app, tmp_path, monkeypatch):
    monkeypatch.setenv("PAYMENTS_LEDGER", str(tmp_path / "ledger.jsonl"))
    from orders.workflows import process_order
    from orders.models import Order

    result = process_order(Order("o1", "c1", "widget", 1, 500))
    assert result["status"] == "fulfilled"
