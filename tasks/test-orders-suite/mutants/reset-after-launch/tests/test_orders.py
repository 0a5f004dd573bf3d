"""Tests for the checkout workflow and the weekly sales summary (run with `python -m pytest tests/`)."""

import json
from datetime import datetime, timedelta, timezone
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
    DBOS.launch()
    DBOS.reset_system_database(truncate=True)
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


def test_declined_card_releases_stock_and_sends_no_email(shop):
    result = orders.place_order("1002", "bob@example.com", {"hoodie": 1}, "tok_declined")

    assert result["status"] == "payment_declined"
    assert records(shop["ledger"]) == []
    assert records(shop["outbox"]) == []
    events = records(shop["inventory"])
    assert [e["event"] for e in events] == ["reserved", "released"]
    assert events[0]["reservation_id"] == events[1]["reservation_id"]


def test_retrying_an_order_returns_the_first_outcome_without_charging_again(shop):
    first = orders.place_order("1003", "cy@example.com", {"sticker-pack": 3}, "tok_visa")
    retry = orders.place_order("1003", "cy@example.com", {"sticker-pack": 3}, "tok_visa")

    assert retry == first
    assert len(records(shop["ledger"])) == 1
    assert len(records(shop["outbox"])) == 1
    assert [e["event"] for e in records(shop["inventory"])] == ["reserved"]


def test_weekly_summary_is_scheduled_for_mondays_0600_utc(shop):
    schedule = DBOS.get_schedule("weekly-sales-summary")

    assert schedule is not None and schedule["status"] == "ACTIVE"
    assert schedule["workflow_name"] == orders.reports.weekly_sales_summary.__qualname__
    assert schedule["schedule"] == "0 6 * * 1"
    assert schedule["cron_timezone"] in (None, "UTC", "Etc/UTC")


def test_a_summary_run_emails_the_owner_the_weeks_charges(shop):
    orders.place_order("1004", "di@example.com", {"tee": 1}, "tok_visa")
    orders.place_order("1005", "ed@example.com", {"hoodie": 2}, "tok_visa")
    orders.place_order("1006", "fa@example.com", {"mug": 1}, "tok_declined")

    handle = DBOS.trigger_schedule("weekly-sales-summary")  # what the schedule runs, now
    handle.get_result()

    to_owner = [e for e in records(shop["outbox"]) if e["to"] == OWNER]
    assert len(to_owner) == 1
    assert json.loads(to_owner[0]["body"]) == {"orders": 2, "revenue_cents": 2400 + 2 * 5900}


def test_a_summary_leaves_out_charges_older_than_a_week(shop):
    orders.place_order("1007", "gi@example.com", {"tee": 1}, "tok_visa")

    sales = orders.reports.weekly_sales_summary(datetime.now(timezone.utc) + timedelta(days=8), None)

    assert sales == {"orders": 0, "revenue_cents": 0}
    to_owner = [e for e in records(shop["outbox"]) if e["to"] == OWNER]
    assert [json.loads(e["body"]) for e in to_owner] == [{"orders": 0, "revenue_cents": 0}]
