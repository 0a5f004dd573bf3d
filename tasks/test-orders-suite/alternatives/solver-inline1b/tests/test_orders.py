"""Tests for orders.py (the DBOS checkout workflow).

Run from the repo root with `python -m pytest tests/` and a Postgres URL in DBOS_SYSTEM_DATABASE_URL. The
database belongs to this suite but is never cleaned by CI, so every test gets a freshly reset system
database: otherwise workflow IDs recorded by earlier runs would return old results without side effects,
and PENDING workflows left by killed runs would be recovered into our tests at launch.
"""

import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from dbos import DBOS, SetWorkflowID  # noqa: E402

import orders  # noqa: E402  (must not launch DBOS at import)


@dataclass
class SideEffects:
    inventory_log: Path
    payments_ledger: Path
    mailer_outbox: Path

    @staticmethod
    def _read(path: Path) -> list[dict]:
        if not path.exists():
            return []
        return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

    def inventory(self) -> list[dict]:
        return self._read(self.inventory_log)

    def charges(self) -> list[dict]:
        return self._read(self.payments_ledger)

    def emails(self) -> list[dict]:
        return self._read(self.mailer_outbox)


@pytest.fixture()
def services(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> SideEffects:
    effects = SideEffects(
        inventory_log=tmp_path / "inventory.jsonl",
        payments_ledger=tmp_path / "payments.jsonl",
        mailer_outbox=tmp_path / "outbox.jsonl",
    )
    monkeypatch.setenv("INVENTORY_LOG", str(effects.inventory_log))
    monkeypatch.setenv("PAYMENTS_LEDGER", str(effects.payments_ledger))
    monkeypatch.setenv("MAILER_OUTBOX", str(effects.mailer_outbox))
    return effects


@pytest.fixture()
def dbos_env(services: SideEffects) -> Iterator[SideEffects]:
    # destroy -> config -> reset (before launch) -> launch -> test -> destroy
    DBOS.destroy()
    DBOS(config=orders.dbos_config())
    DBOS.reset_system_database()
    DBOS.launch()
    yield services
    DBOS.destroy()


def test_order_total() -> None:
    assert orders.order_total({"mug": 2, "tee": 1}) == 2 * 1450 + 2400
    assert orders.order_total({}) == 0


def test_normal_order_is_confirmed(dbos_env: SideEffects) -> None:
    items = {"mug": 2, "tee": 1, "sticker-pack": 3}
    total = 2 * 1450 + 2400 + 3 * 600

    result = orders.place_order("A100", "ada@example.com", items, "tok_visa")

    assert result["order_id"] == "A100"
    assert result["status"] == "confirmed"
    assert result["total_cents"] == total

    charges = dbos_env.charges()
    assert len(charges) == 1
    assert charges[0]["amount_cents"] == total
    assert charges[0]["reference"] == "A100"
    assert result["charge_id"] == charges[0]["charge_id"]

    inventory = dbos_env.inventory()
    assert inventory == [{"event": "reserved", "reservation_id": "rsv-A100", "items": items}]

    emails = dbos_env.emails()
    assert len(emails) == 1
    assert emails[0]["to"] == "ada@example.com"
    assert "A100" in emails[0]["subject"]

    status = DBOS.get_workflow_status("order-A100")
    assert status is not None and status.status == "SUCCESS"


def test_declined_card(dbos_env: SideEffects) -> None:
    items = {"hoodie": 1}

    result = orders.place_order("A200", "grace@example.com", items, "tok_declined")

    assert result["order_id"] == "A200"
    assert result["status"] == "payment_declined"
    assert result["total_cents"] == 5900
    assert dbos_env.charges() == []
    assert dbos_env.emails() == []
    assert dbos_env.inventory() == [
        {"event": "reserved", "reservation_id": "rsv-A200", "items": items},
        {"event": "released", "reservation_id": "rsv-A200"},
    ]


def test_retried_order_returns_same_result_without_repeating_side_effects(dbos_env: SideEffects) -> None:
    items = {"mug": 1}
    first = orders.place_order("A300", "linus@example.com", items, "tok_visa")
    assert first["status"] == "confirmed"
    effects_after_first = (dbos_env.inventory(), dbos_env.charges(), dbos_env.emails())

    second = orders.place_order("A300", "linus@example.com", items, "tok_visa")
    third = orders.place_order("A300", "linus@example.com", items, "tok_visa")

    assert second == first
    assert third == first
    assert (dbos_env.inventory(), dbos_env.charges(), dbos_env.emails()) == effects_after_first
    assert len(dbos_env.charges()) == 1
    assert len(dbos_env.emails()) == 1
    assert len(dbos_env.inventory()) == 1


def test_retried_declined_order_is_not_charged_or_reserved_again(dbos_env: SideEffects) -> None:
    items = {"tee": 2}
    first = orders.place_order("A400", "barbara@example.com", items, "tok_declined")
    assert first["status"] == "payment_declined"
    effects_after_first = (dbos_env.inventory(), dbos_env.charges(), dbos_env.emails())

    # Even if the retry arrives with another card, the recorded outcome of this order id is returned.
    second = orders.place_order("A400", "barbara@example.com", items, "tok_visa")

    assert second == first
    assert (dbos_env.inventory(), dbos_env.charges(), dbos_env.emails()) == effects_after_first
    assert dbos_env.charges() == []


def test_different_orders_are_charged_separately(dbos_env: SideEffects) -> None:
    r1 = orders.place_order("A500", "ken@example.com", {"mug": 1}, "tok_visa")
    r2 = orders.place_order("A501", "ken@example.com", {"tee": 1}, "tok_visa")

    assert r1["status"] == r2["status"] == "confirmed"
    assert r1["charge_id"] != r2["charge_id"]
    charges = dbos_env.charges()
    assert [(c["reference"], c["amount_cents"]) for c in charges] == [("A500", 1450), ("A501", 2400)]
    assert len(dbos_env.emails()) == 2
    assert [e["reservation_id"] for e in dbos_env.inventory()] == ["rsv-A500", "rsv-A501"]


def test_checkout_workflow_with_explicit_id(dbos_env: SideEffects) -> None:
    with SetWorkflowID("test-checkout-1"):
        result = orders.checkout("A600", "ada@example.com", {"sticker-pack": 2}, "tok_visa")
    assert result["status"] == "confirmed"
    assert result["total_cents"] == 1200
    status = DBOS.get_workflow_status("test-checkout-1")
    assert status is not None and status.status == "SUCCESS"
    assert len(dbos_env.charges()) == 1
    assert len(dbos_env.emails()) == 1
