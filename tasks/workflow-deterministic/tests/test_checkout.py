"""Checkout must produce one consistent order per cart, also when the worker crashes and recovers."""

import json
import re
from datetime import datetime

import psycopg

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql

TOTALS = {"cart-1001": 2 * 1450 + 2500, "cart-1002": 5900, "cart-1003": 3 * 400 + 1450,
          "cart-1004": 1900, "cart-1005": 2 * 2500 + 1900, "cart-1006": 1450 + 5900}


def files(cart: str) -> dict[str, str]:
    return {"PAYMENTS_LEDGER": f"ledger-{cart}.jsonl", "WAREHOUSE_RESERVATIONS": f"reservations-{cart}.jsonl",
            "LOYALTY_COUPONS": f"coupons-{cart}.jsonl", "MAILER_OUTBOX": f"outbox-{cart}.jsonl"}


def run(cart: str, **env: str):
    # One executor id per cart: a restart recovers only that cart's workflow, never another test's.
    return run_program("checkout.py", cart, env={**files(cart), "DBOS__VMID": f"checkout-{cart}", **env})


def records(cart: str) -> dict[str, list[dict]]:
    return {name: read_jsonl(path) for name, path in
            zip(("charges", "reservations", "coupons", "emails"), files(cart).values())}


def order_rows(cart: str) -> list[dict]:
    """The cart's rows in the `orders` table (none if the table was never created)."""
    keys = ("order_id", "cart_id", "customer_id", "total_cents", "coupon", "placed_at", "charge_id")
    try:
        rows = sql(f"SELECT {', '.join(keys)} FROM orders WHERE cart_id = %s", (cart,))
    except psycopg.errors.UndefinedTable:
        return []
    return [dict(zip(keys, row, strict=True)) for row in rows]


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def assert_one_consistent_order(cart: str, summary: dict) -> None:
    found = records(cart)
    for name, rows in found.items():
        assert len(rows) == 1, f"expected exactly one record in {name}, found {len(rows)}: {rows}"
    charge, reservation = found["charges"][0], found["reservations"][0]
    coupon, email = found["coupons"][0], found["emails"][0]
    order_id = summary["order_id"]
    assert re.fullmatch(r"ord-[0-9a-f]{12}", order_id), order_id
    assert re.fullmatch(r"THX-[A-Z0-9]{6}", summary["coupon"]), summary["coupon"]
    assert reservation["order_id"] == order_id, "the warehouse holds stock under another order id"
    assert charge["idempotency_key"] == order_id, "the charge is keyed by another order id"
    assert email["order_id"] == order_id, "the confirmation email names another order id"
    assert coupon["order_id"] == order_id
    assert coupon["code"] == summary["coupon"] == email["coupon"], "the emailed coupon was never registered"
    assert reservation["placed_at"] == summary["placed_at"] == email["placed_at"], "order timestamps disagree"
    assert charge["charge_id"] == summary["charge_id"] == email["charge_id"]
    assert charge["amount_cents"] == TOTALS[cart] == summary["total_cents"]
    rows = order_rows(cart)
    assert len(rows) == 1, f"expected exactly one row in the orders table for {cart}, found {len(rows)}: {rows}"
    row = rows[0]
    assert (row["order_id"], row["coupon"], row["charge_id"], row["total_cents"]) == (
        order_id, summary["coupon"], summary["charge_id"], summary["total_cents"]), f"orders row {row} vs {summary}"
    assert row["customer_id"] == charge["customer_id"]
    assert row["placed_at"] == datetime.fromisoformat(summary["placed_at"]), "the orders row has another timestamp"


def test_checkout_records_one_consistent_order():
    done = run("cart-1001")
    assert done.returncode == 0, done.stderr[-2000:]
    summary = summary_of(done.stdout)
    assert summary["cart_id"] == "cart-1001"
    assert_one_consistent_order("cart-1001", summary)


def test_each_order_gets_its_own_order_id_and_coupon():
    first, second = run("cart-1002"), run("cart-1003")
    assert first.returncode == 0, first.stderr[-2000:]
    assert second.returncode == 0, second.stderr[-2000:]
    a, b = summary_of(first.stdout), summary_of(second.stdout)
    assert a["order_id"] != b["order_id"]
    assert a["coupon"] != b["coupon"]


def test_rerunning_a_finished_checkout_returns_the_same_order():
    first = run("cart-1004")
    assert first.returncode == 0, first.stderr[-2000:]
    again = run("cart-1004")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary_of(again.stdout) == summary_of(first.stdout)
    assert_one_consistent_order("cart-1004", summary_of(again.stdout))


def test_recovery_after_a_crash_keeps_one_consistent_order():
    crashed = run("cart-1005", PAYMENTS_CRASH_AFTER_CHARGE="1")
    assert_crashed_at_drill(crashed, *files("cart-1005").values())
    before = records("cart-1005")
    assert len(before["charges"]) == 1, before  # the drill kills the run right after the charge
    resumed = run("cart-1005")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    after = records("cart-1005")
    assert len(after["charges"]) == 1, f"the customer was charged {len(after['charges'])} times"
    # whatever went out before the crash is part of the one order (the prompt fixes no order of the steps)
    assert after["reservations"][:len(before["reservations"])] == before["reservations"]
    assert after["coupons"][:len(before["coupons"])] == before["coupons"]
    assert after["emails"][:len(before["emails"])] == before["emails"]
    assert_one_consistent_order("cart-1005", summary_of(resumed.stdout))


def test_crash_after_the_order_row_keeps_one_row_and_one_charge():
    crashed = run("cart-1006", MAILER_CRASH_BEFORE_SEND="1")
    assert_crashed_at_drill(crashed, *files("cart-1006").values())
    before = records("cart-1006")
    assert len(before["charges"]) == 1 and not before["emails"], before  # the drill kills just before the email
    resumed = run("cart-1006")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_one_consistent_order("cart-1006", summary_of(resumed.stdout))
