"""Every order ends with exactly one outcome — booked once in finance's ledger, shipped once and one "on its way"
email when paid; released once with one "cancelled" email and never booked when failed — whether the PSP's single
notice arrives before the order, while it waits, around a restart of the service, or the box dies right after a
booking was written."""

from collections import Counter

import httpx
import pytest

from dbos_evalkit import read_jsonl, sql, wait_until
from server import Server

ON_ITS_WAY, CANCELLED = "Your order is on its way", "Your order was cancelled"


def files(tag: str) -> dict[str, str]:
    return {"INVENTORY_LOG": f"inventory-{tag}.jsonl", "SHIPPING_LOG": f"shipments-{tag}.jsonl",
            "MAILER_OUTBOX": f"outbox-{tag}.jsonl"}


@pytest.fixture
def shop(request):
    tag = request.node.name.removeprefix("test_")[:24]
    server = Server(f"shop-{tag}", **files(tag))
    server.tag = tag
    yield server
    server.stop()


def place(server: Server, order_id: str) -> None:
    response = server.http.post("/orders", json={"order_id": order_id, "email": f"{order_id}@example.com",
                                                 "address": f"{order_id} Main St", "items": ["sku-1", "sku-2"]})
    assert response.status_code == 202, response.text
    assert response.json() == {"order_id": order_id, "status": "awaiting_payment"}


def notify(server: Server, order_id: str, status: str) -> None:
    response = server.http.post("/webhooks/psp", json={"order_id": order_id, "payment_id": f"pay-{order_id}",
                                                       "status": status})
    assert response.status_code == 200, response.text


def actions(tag: str, order_id: str) -> Counter:
    return Counter(r["action"] for r in read_jsonl(f"inventory-{tag}.jsonl") if r["order_id"] == order_id)


def emails(tag: str, order_id: str) -> Counter:
    return Counter(m["subject"] for m in read_jsonl(f"outbox-{tag}.jsonl") if m["order_id"] == order_id)


def shipments(tag: str, order_id: str) -> int:
    return sum(1 for s in read_jsonl(f"shipments-{tag}.jsonl") if s["order_id"] == order_id)


def booked(order_id: str) -> list[str]:
    """Payment ids booked for the order in finance's `payments` table."""
    return [r[0] for r in sql("SELECT payment_id FROM payments WHERE order_id = %s", (order_id,))]


def wait_for_email(server: Server, order_id: str, timeout: float = 30) -> None:
    try:
        wait_until(lambda: emails(server.tag, order_id), timeout=timeout, interval=0.2,
                   message=f"the outcome email of {order_id}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{server.log()}") from None


def assert_shipped_once(tag: str, order_id: str) -> None:
    assert booked(order_id) == [f"pay-{order_id}"], f"{order_id} booked in the ledger: {booked(order_id)}"
    assert actions(tag, order_id) == Counter({"reserve": 1}), f"{order_id}: {dict(actions(tag, order_id))}"
    assert shipments(tag, order_id) == 1, f"{order_id}: shipped {shipments(tag, order_id)} times"
    assert emails(tag, order_id) == Counter({ON_ITS_WAY: 1}), f"{order_id}: {dict(emails(tag, order_id))}"


def assert_cancelled_once(tag: str, order_id: str) -> None:
    assert booked(order_id) == [], f"the failed {order_id} was booked in the ledger: {booked(order_id)}"
    assert actions(tag, order_id) == Counter({"reserve": 1, "release": 1}), f"{order_id}: {dict(actions(tag, order_id))}"
    assert shipments(tag, order_id) == 0, f"{order_id} was shipped"
    assert emails(tag, order_id) == Counter({CANCELLED: 1}), f"{order_id}: {dict(emails(tag, order_id))}"


def test_notices_after_the_order_ship_or_cancel_it_once(shop):
    shop.start()
    place(shop, "o-a1")
    place(shop, "o-a2")
    wait_until(lambda: actions(shop.tag, "o-a1") and actions(shop.tag, "o-a2"), timeout=30,
               message="both orders to hold their items")
    notify(shop, "o-a1", "paid")
    notify(shop, "o-a2", "failed")
    wait_for_email(shop, "o-a1")
    wait_for_email(shop, "o-a2")
    assert_shipped_once(shop.tag, "o-a1")
    assert_cancelled_once(shop.tag, "o-a2")


def test_notices_that_arrive_before_their_order_are_not_lost(shop):
    shop.start()
    notify(shop, "o-b1", "paid")  # the PSP was faster than the checkout page's call to us
    notify(shop, "o-b2", "failed")
    place(shop, "o-b1")
    place(shop, "o-b2")
    wait_for_email(shop, "o-b1")
    wait_for_email(shop, "o-b2")
    assert_shipped_once(shop.tag, "o-b1")
    assert_cancelled_once(shop.tag, "o-b2")


def test_a_restart_loses_neither_a_waiting_order_nor_an_acknowledged_notice(shop):
    shop.start()
    place(shop, "o-c1")  # will wait across the restart
    notify(shop, "o-c2", "paid")  # acknowledged before the restart; its order comes after it
    wait_until(lambda: actions(shop.tag, "o-c1"), timeout=30, message="o-c1 to hold its items")
    shop.stop()  # the box dies (SIGKILL) while o-c1 waits for its payment
    assert shop.proc.returncode == -9
    assert shipments(shop.tag, "o-c1") == 0 and not emails(shop.tag, "o-c1"), "o-c1 was still waiting"

    shop.start()
    notify(shop, "o-c1", "paid")
    place(shop, "o-c2")
    wait_for_email(shop, "o-c1")
    wait_for_email(shop, "o-c2")
    assert_shipped_once(shop.tag, "o-c1")
    assert_shipped_once(shop.tag, "o-c2")


def test_a_crash_right_after_a_payment_is_booked_books_it_only_once(shop):
    shop.start(LEDGER_CRASH_AFTER_COMMIT="1")  # ops drill: the box dies right after the first booking commits
    place(shop, "o-d1")
    wait_until(lambda: actions(shop.tag, "o-d1"), timeout=30, message="o-d1 to hold its items")
    try:
        notify(shop, "o-d1", "paid")
        acknowledged = True
    except httpx.TransportError:  # the service books while handling the notice and died before answering
        acknowledged = False
    assert shop.wait_for_death() == -9, f"the drill should have killed the server (SIGKILL):\n{shop.log()}"
    assert booked("o-d1"), "the drill fires right after the booking commits"

    shop.start()
    if not acknowledged:
        notify(shop, "o-d1", "paid")  # the PSP sends again a notice we never answered
    wait_for_email(shop, "o-d1")
    assert_shipped_once(shop.tag, "o-d1")
