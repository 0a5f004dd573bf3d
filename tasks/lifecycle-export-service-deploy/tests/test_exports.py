"""An export requested with POST /exports is finished in the background — also when the server was killed
mid-export and restarted after a deploy (a new release of onboarding.py; no DBOS__APPVERSION is set)."""

import httpx
import pytest

from dbos_evalkit import WORKSPACE, import_fresh, read_jsonl, wait_until
from server import Server

SUBJECT = "Your usage export is ready"

# The growth team's next release: same steps, a reworded template name.
ONBOARDING_RELEASE_2 = '''"""The growth team's welcome series for new signups (already durable with DBOS). Do not modify.

The growth team ships new releases of this module with our regular deploys.
"""

from dbos import DBOS

import mailer


@DBOS.step()
def send_welcome(email: str, template: str) -> None:
    mailer.send(email, f"welcome:{template}", {"template": template})


@DBOS.workflow()
def welcome_series(email: str) -> None:
    """Release 2024.11: the day-0 email has a new template."""
    send_welcome(email, "day-0-v2")
'''


@pytest.fixture
def deploy(monkeypatch):
    """Ship a file as a deploy does (restored afterwards); the deploy sets no DBOS__APPVERSION."""
    monkeypatch.delenv("DBOS__APPVERSION", raising=False)
    originals: dict[str, str] = {}

    def ship(name: str, text: str) -> None:
        originals.setdefault(name, (WORKSPACE / name).read_text())
        (WORKSPACE / name).write_text(text)

    yield ship
    for name, text in originals.items():
        (WORKSPACE / name).write_text(text)


def files(tag: str) -> dict[str, str]:
    return {"STORAGE_LOG": f"storage-{tag}.jsonl", "MAILER_OUTBOX": f"outbox-{tag}.jsonl"}


def expected_csv(account_id: str, month: str) -> str:
    rows = import_fresh("warehouse").monthly_usage(account_id, month)
    return "day,api_calls\n" + "".join(f"{r['day']},{r['api_calls']}\n" for r in rows)


def ready_emails(tag: str, export_id: str) -> list[dict]:
    return [m for m in read_jsonl(f"outbox-{tag}.jsonl")
            if m["subject"] == SUBJECT and m["body"].get("export_id") == export_id]


def wait_for_ready_email(server: Server, tag: str, export_id: str, timeout: float = 30) -> None:
    try:
        wait_until(lambda: ready_emails(tag, export_id), timeout=timeout, interval=0.2,
                   message=f"the email of export {export_id}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{server.log()}") from None


def assert_export_complete(tag: str, export_id: str, account_id: str, months: list[str]) -> None:
    stored: dict[str, str] = {}
    for put in read_jsonl(f"storage-{tag}.jsonl"):
        stored[put["key"]] = put["content"]  # storage keeps the last write of a key
    for month in months:
        key = f"exports/{export_id}/{month}.csv"
        assert key in stored, f"{key} is missing from storage"
        assert stored[key] == expected_csv(account_id, month), f"{key} has the wrong content"
    emails = ready_emails(tag, export_id)
    assert len(emails) == 1, f"the customer got {len(emails)} 'ready' emails"
    links = emails[0]["body"]["links"]
    assert len(links) == len(months)
    assert all(any(link.endswith(f"exports/{export_id}/{m}.csv") for link in links) for m in months)


def request(server: Server, export_id: str, account_id: str, months: list[str]) -> httpx.Response:
    return server.http.post("/exports", json={"export_id": export_id, "account_id": account_id,
                                              "email": f"{account_id}@example.com", "months": months})


def test_an_export_runs_in_the_background_and_signups_keep_working():
    server = Server("server-a", **files("a")).start()
    try:
        months = ["2024-01", "2024-02", "2024-03"]
        response = request(server, "exp-a1", "acct-a", months)
        assert response.status_code == 202, response.text
        assert response.json() == {"export_id": "exp-a1", "status": "started"}
        assert server.http.post("/signups", json={"email": "new@example.com"}).status_code == 202
        wait_for_ready_email(server, "a", "exp-a1")
        assert_export_complete("a", "exp-a1", "acct-a", months)
        wait_until(lambda: any(m["to"] == "new@example.com" for m in read_jsonl("outbox-a.jsonl")), timeout=20,
                   message="the welcome email of the signup")
    finally:
        server.stop()


def test_an_export_killed_mid_way_is_finished_after_a_deploy(deploy):
    months = ["2024-04", "2024-05", "2024-06", "2024-07", "2024-08"]
    server = Server("server-b", **files("b")).start(STORAGE_CRASH_ON_PUT="3")
    try:
        response = request(server, "exp-b1", "acct-b", months)
        assert response.status_code == 202, response.text
    except httpx.TransportError:
        pass  # the drill may kill the server before its answer is read; the export had started
    assert server.wait_for_death() == -9, f"the server died another way:\n{server.log()}"
    assert len(read_jsonl("storage-b.jsonl")) >= 1, "the killed export had written some files"
    assert ready_emails("b", "exp-b1") == [], "the killed export had not finished"

    deploy("onboarding.py", ONBOARDING_RELEASE_2)
    server.start()  # the same server (executor id), the new code, nobody calls the API again
    try:
        wait_for_ready_email(server, "b", "exp-b1")
        assert_export_complete("b", "exp-b1", "acct-b", months)
    finally:
        server.stop()
