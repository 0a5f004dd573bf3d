"""Tests for the checkout workflow in `orders.py`.

Run from the repo root with `python -m pytest tests/`, with `DBOS_SYSTEM_DATABASE_URL` pointing at the
test suite's own Postgres database. Every test starts from a wiped system database (reset *before*
launch, so nothing left behind by earlier or killed runs is recovered into the test), and the fake
services log their side effects into the test's own temporary files.
"""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from dbos import DBOS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orders  # noqa: E402


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@dataclass
class SideEffects:
    ledger: Path
    outbox: Path
    inventory: Path

    def charges(self) -> list[dict[str, Any]]:
        return read_jsonl(self.ledger)

    def emails(self) -> list[dict[str, Any]]:
        return read_jsonl(self.outbox)

    def inventory_events(self) -> list[dict[str, Any]]:
        return read_jsonl(self.inventory)

    def reservations(self) -> list[dict[str, Any]]:
        return [e for e in self.inventory_events() if e["event"] == "reserved"]

    def releases(self) -> list[dict[str, Any]]:
        return [e for e in self.inventory_events() if e["event"] == "released"]


@pytest.fixture()
def effects(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SideEffects:
    fx = SideEffects(
        ledger=tmp_path / "payments.jsonl",
        outbox=tmp_path / "outbox.jsonl",
        inventory=tmp_path / "inventory.jsonl",
    )
    monkeypatch.setenv("PAYMENTS_LEDGER", str(fx.ledger))
    monkeypatch.setenv("MAILER_OUTBOX", str(fx.outbox))
    monkeypatch.setenv("INVENTORY_LOG", str(fx.inventory))
    return fx


def start_dbos(reset: bool) -> None:
    DBOS.destroy()  # a fresh instance: otherwise DBOS(config=...) returns the previous one
    DBOS(config=orders.dbos_config())
    if reset:
        # Wipe workflows of earlier runs (also of older code, also half-finished ones from killed
        # runs). Must happen before launch, which would otherwise recover them.
        DBOS.reset_system_database()
    DBOS.launch()


@pytest.fixture()
def dbos(effects: SideEffects) -> Iterator[None]:
    # Depends on `effects` so the log files are redirected before DBOS launches.
    start_dbos(reset=True)
    yield
    DBOS.destroy()


ITEMS = {"mug": 2, "tee": 1}
ITEMS_TOTAL = 2 * 1450 + 2400


def test_order_total() -> None:
    assert orders.order_total(ITEMS) == ITEMS_TOTAL
    assert orders.order_total({}) == 0


def test_normal_order_is_confirmed(dbos: None, effects: SideEffects) -> None:
    result = orders.place_order("A100", "ada@example.com", ITEMS, "tok_visa")

    assert result["order_id"] == "A100"
    assert result["status"] == "confirmed"
    assert result["total_cents"] == ITEMS_TOTAL

    # stock reserved once, never released
    assert effects.reservations() == [
        {"event": "reserved", "reservation_id": "rsv-A100", "items": ITEMS}
    ]
    assert effects.releases() == []

    # charged exactly once, with the right total, for this order
    charges = effects.charges()
    assert len(charges) == 1
    assert charges[0]["amount_cents"] == ITEMS_TOTAL
    assert charges[0]["reference"] == "A100"
    assert result["charge_id"] == charges[0]["charge_id"]

    # exactly one confirmation email to the customer
    emails = effects.emails()
    assert len(emails) == 1
    assert emails[0]["to"] == "ada@example.com"
    assert "A100" in emails[0]["subject"]
    assert "confirmed" in emails[0]["subject"]
    assert f"{ITEMS_TOTAL / 100:.2f}" in emails[0]["body"]

    status = DBOS.get_workflow_status("order-A100")
    assert status is not None
    assert status.status == "SUCCESS"


def test_declined_card(dbos: None, effects: SideEffects) -> None:
    result = orders.place_order("B200", "bob@example.com", ITEMS, "tok_declined")

    assert result["order_id"] == "B200"
    assert result["status"] == "payment_declined"
    assert result["total_cents"] == ITEMS_TOTAL
    assert "charge_id" not in result

    assert effects.charges() == []
    assert effects.emails() == []
    # the reserved stock is released again
    assert effects.reservations() == [
        {"event": "reserved", "reservation_id": "rsv-B200", "items": ITEMS}
    ]
    assert effects.releases() == [{"event": "released", "reservation_id": "rsv-B200"}]


def test_retried_order_returns_same_result_without_side_effects(dbos: None, effects: SideEffects) -> None:
    first = orders.place_order("C300", "cy@example.com", ITEMS, "tok_visa")
    second = orders.place_order("C300", "cy@example.com", ITEMS, "tok_visa")

    assert first["status"] == "confirmed"
    assert second == first
    assert len(effects.charges()) == 1
    assert len(effects.reservations()) == 1
    assert effects.releases() == []
    assert len(effects.emails()) == 1


def test_retried_declined_order_is_not_redone(dbos: None, effects: SideEffects) -> None:
    first = orders.place_order("D400", "di@example.com", ITEMS, "tok_declined")
    second = orders.place_order("D400", "di@example.com", ITEMS, "tok_declined")

    assert first["status"] == "payment_declined"
    assert second == first
    assert effects.charges() == []
    assert effects.emails() == []
    assert len(effects.reservations()) == 1
    assert len(effects.releases()) == 1


def test_retry_with_changed_request_returns_first_outcome(dbos: None, effects: SideEffects) -> None:
    first = orders.place_order("E500", "eve@example.com", ITEMS, "tok_visa")
    # A retry of the same order id is the same order: its recorded outcome comes back.
    second = orders.place_order("E500", "eve@example.com", {"hoodie": 3}, "tok_other")

    assert second == first
    charges = effects.charges()
    assert len(charges) == 1
    assert charges[0]["amount_cents"] == ITEMS_TOTAL
    assert len(effects.reservations()) == 1
    assert len(effects.emails()) == 1


def test_retry_after_restart_returns_same_result(dbos: None, effects: SideEffects) -> None:
    first = orders.place_order("F600", "fay@example.com", ITEMS, "tok_visa")

    start_dbos(reset=False)  # the storefront's retry reaches a restarted service
    second = orders.place_order("F600", "fay@example.com", ITEMS, "tok_visa")

    assert second == first
    assert len(effects.charges()) == 1
    assert len(effects.reservations()) == 1
    assert len(effects.emails()) == 1


def test_different_orders_are_each_checked_out(dbos: None, effects: SideEffects) -> None:
    a = orders.place_order("G700", "gus@example.com", {"sticker-pack": 1}, "tok_visa")
    b = orders.place_order("G701", "gus@example.com", {"hoodie": 1}, "tok_visa")

    assert a["status"] == b["status"] == "confirmed"
    assert a["charge_id"] != b["charge_id"]
    charges = effects.charges()
    assert [(c["reference"], c["amount_cents"]) for c in charges] == [("G700", 600), ("G701", 5900)]
    assert [r["reservation_id"] for r in effects.reservations()] == ["rsv-G700", "rsv-G701"]
    assert len(effects.emails()) == 2
