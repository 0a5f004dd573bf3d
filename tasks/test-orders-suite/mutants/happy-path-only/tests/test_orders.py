"""Tests for the checkout workflow and the weekly sales summary (run with `python -m pytest tests/`)."""

import json
from pathlib import Path

import pytest
from dbos import DBOS

import orders

OWNER = "owner@test.example"


def records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture()
def shop(tmp_path, monkeypatch):
    """A freshly reset, started shop for each test, with the fake services writing into tmp_path."""
    files = {"ledger": tmp_path / "payments.jsonl", "outbox": tmp_path / "outbox.jsonl",
             "inventory": tmp_path / "inventory.jsonl"}
    monkeypatch.setenv("PAYMENTS_LEDGER", str(files["ledger"]))
    monkeypatch.setenv("MAILER_OUTBOX", str(files["outbox"]))
    monkeypatch.setenv("INVENTORY_LOG", str(files["inventory"]))
    monkeypatch.setenv("SHOP_OWNER_EMAIL", OWNER)
    DBOS.destroy(destroy_registry=False)
    DBOS(config=orders.dbos_config())
    DBOS.reset_system_database(truncate=True)
    DBOS.launch()
    orders.start_shop()
    yield files
    DBOS.destroy(destroy_registry=False)


def test_confirmed_order_reserves_charges_once_and_emails(shop):
    result = orders.place_order("1001", "ada@example.com", {"mug": 2, "tee": 1}, "tok_visa")

    assert result["status"] == "confirmed"
    assert result["total_cents"] == 2 * 1450 + 2400
    charges = records(shop["ledger"])
    assert len(charges) == 1
    assert charges[0]["amount_cents"] == 5300 and charges[0]["reference"] == "1001"
    assert result["charge_id"] == charges[0]["charge_id"]
    assert [e["event"] for e in records(shop["inventory"])] == ["reserved"]
    emails = records(shop["outbox"])
    assert len(emails) == 1 and emails[0]["to"] == "ada@example.com"
