import pytest

from app_server import OnboardingServer
from dbos_evalkit import read_jsonl

SYSTEMS = ("github", "google", "jira", "slack")
CALLS, EMAILS = "saas-main.jsonl", "emails-main.jsonl"


@pytest.fixture(scope="module")
def api():
    server = OnboardingServer("api-main", SAAS_CALL_LOG=CALLS, MAILER_OUTBOX=EMAILS, DBOS__VMID="main-pod").start()
    yield server
    server.stop()


def ops_for(log: str, employee_id: str) -> list[str]:
    return sorted(c["op"] for c in read_jsonl(log) if c["employee_id"] == employee_id)


def expected_ops(employee_id: str) -> list[str]:
    return sorted(f"{action}:{system}:{employee_id}" for system in SYSTEMS
                  for action in ("create_account", "add_to_groups"))


def peak_overlap(calls: list[dict]) -> int:
    edges = sorted([(c["started_at"], 1) for c in calls] + [(c["finished_at"], -1) for c in calls])
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


@pytest.fixture(scope="module")
def onboarded(api):
    """One hire, followed from the POST to the welcome email."""
    start = api.hire("e-100", starts_in_s=3)
    waiting = api.wait_for_status("e-100", "waiting_for_start_date")
    emails_while_waiting = [e for e in read_jsonl(EMAILS) if e["employee_id"] == "e-100"]
    welcomed = api.wait_for_status("e-100", "welcomed", timeout=25)
    return {"start": start, "waiting": waiting, "emails_while_waiting": emails_while_waiting, "welcomed": welcomed}


def test_every_account_and_group_is_created_once(onboarded):
    assert ops_for(CALLS, "e-100") == expected_ops("e-100")
    assert onboarded["welcomed"]["accounts"] == {system: f"{system}-e-100" for system in SYSTEMS}


def test_accounts_are_reported_while_waiting_for_the_start_date(onboarded):
    assert onboarded["waiting"]["accounts"] == {system: f"{system}-e-100" for system in SYSTEMS}
    assert onboarded["emails_while_waiting"] == [], "the welcome email went out before the start date"


def test_welcome_email_is_sent_once_on_the_start_date(onboarded):
    emails = [e for e in read_jsonl(EMAILS) if e["employee_id"] == "e-100"]
    assert len(emails) == 1
    assert emails[0]["sent_at"] >= onboarded["start"].timestamp() - 0.05, "welcomed before the start date"
    assert emails[0]["accounts"] == {system: f"{system}-e-100" for system in SYSTEMS}


def test_systems_are_provisioned_in_parallel(onboarded):
    creates = [c for c in read_jsonl(CALLS) if c["employee_id"] == "e-100" and c["action"] == "create_account"]
    assert peak_overlap(creates) >= 2, "the vendors were still called one after another"
    for system in SYSTEMS:
        create, = [c for c in read_jsonl(CALLS) if c["op"] == f"create_account:{system}:e-100"]
        groups, = [c for c in read_jsonl(CALLS) if c["op"] == f"add_to_groups:{system}:e-100"]
        assert groups["started_at"] >= create["finished_at"], f"{system}: groups were added before the account existed"


def test_posting_the_same_hire_twice_onboards_once(api):
    api.hire("e-101", starts_in_s=0)
    api.hire("e-101", starts_in_s=0)
    api.wait_for_status("e-101", "welcomed")
    assert ops_for(CALLS, "e-101") == expected_ops("e-101")
    assert len([e for e in read_jsonl(EMAILS) if e["employee_id"] == "e-101"]) == 1
