"""Every paid order ends with its key activated and exactly one email whose expiry is the expiry the license
server holds — also when the service died between the activation and the email and was restarted."""

from datetime import datetime, timedelta, timezone

import httpx

from dbos_evalkit import read_jsonl, wait_until
from server import Server

TERMS = {"trial": timedelta(days=14), "pro": timedelta(days=365), "enterprise": timedelta(days=3 * 365)}
SLACK = timedelta(hours=1)  # the expiry is one term after issue; issue happens within the test's minutes


def files(tag: str) -> dict[str, str]:
    return {"LICENSING_LOG": f"activations-{tag}.jsonl", "MAILER_OUTBOX": f"outbox-{tag}.jsonl"}


def post(server: Server, order_id: str, plan: str) -> httpx.Response:
    return server.http.post("/licenses", json={"order_id": order_id, "email": f"{order_id}@example.com",
                                               "plan": plan})


def emails_for(tag: str, order_id: str) -> list[dict]:
    return [m for m in read_jsonl(f"outbox-{tag}.jsonl") if m["to"] == f"{order_id}@example.com"]


def wait_for_emails(server: Server, tag: str, order_ids: list[str], timeout: float = 30) -> None:
    try:
        wait_until(lambda: all(emails_for(tag, o) for o in order_ids), timeout=timeout, interval=0.2,
                   message="every order's license email")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{server.log()}") from None


def assert_issued_once_and_consistent(tag: str, order_id: str, plan: str, requested_at: datetime) -> None:
    emails = emails_for(tag, order_id)
    assert len(emails) == 1, f"{order_id}: {len(emails)} license emails"
    [email] = emails
    activations = [a for a in read_jsonl(f"activations-{tag}.jsonl") if a["order_id"] == order_id]
    assert activations, f"{order_id}: the key was never activated"
    active = activations[-1]  # the license server keeps the last activation of a key
    assert email["license_key"] == active["license_key"]
    assert email["expires_at"] == active["expires_at"], \
        f"{order_id}: the email says {email['expires_at']}, the license server {active['expires_at']}"
    expires = datetime.fromisoformat(active["expires_at"])
    if expires.tzinfo is None:
        expires = expires.replace(tzinfo=timezone.utc)
    assert requested_at + TERMS[plan] - SLACK <= expires <= datetime.now(timezone.utc) + TERMS[plan] + SLACK, \
        f"{order_id}: expiry {active['expires_at']} is not one {plan} term after issue"


def test_orders_get_one_license_each_and_a_retried_post_issues_nothing_again():
    server = Server("license-a", **files("a")).start()
    try:
        requested_at = datetime.now(timezone.utc)
        orders = {"ord-a1": "pro", "ord-a2": "trial", "ord-a3": "enterprise"}
        for order_id, plan in orders.items():
            response = post(server, order_id, plan)
            assert response.status_code == 202, response.text
            assert response.json() == {"order_id": order_id, "status": "issuing"}
        wait_for_emails(server, "a", list(orders))
        retry = post(server, "ord-a1", "pro")  # the shop did not get our answer in time and retries
        assert retry.status_code == 202, retry.text
        second = post(server, "ord-a4", "pro")  # a later order: once it is out, the retry has been handled too
        assert second.status_code == 202, second.text
        wait_for_emails(server, "a", ["ord-a4"])
        for order_id, plan in {**orders, "ord-a4": "pro"}.items():
            assert_issued_once_and_consistent("a", order_id, plan, requested_at)
        assert len([a for a in read_jsonl("activations-a.jsonl") if a["order_id"] == "ord-a1"]) == 1
    finally:
        server.stop()


def test_a_license_interrupted_before_its_email_is_finished_with_the_same_expiry():
    server = Server("license-b", **files("b")).start(MAILER_CRASH_ON_CALL="1")
    requested_at = datetime.now(timezone.utc)
    try:
        response = post(server, "ord-b1", "pro")
        assert response.status_code == 202, response.text
    except httpx.TransportError:
        pass  # the drill may kill the server before its answer is read; issuing had started
    assert server.wait_for_death() == -9, f"the server died another way:\n{server.log()}"
    assert [a["order_id"] for a in read_jsonl("activations-b.jsonl")] == ["ord-b1"], "activated before the crash"
    assert emails_for("b", "ord-b1") == [], "the drill killed the server before the email"

    server.start()  # the same server (executor id) comes back; nobody calls the API again
    try:
        wait_for_emails(server, "b", ["ord-b1"])
        assert_issued_once_and_consistent("b", "ord-b1", "pro", requested_at)
    finally:
        server.stop()
