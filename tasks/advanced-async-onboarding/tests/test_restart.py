"""The pod dies in the middle of provisioning (a drill in saas.py kills it before its 8th vendor call)."""

from app_server import OnboardingServer
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, wait_until

SYSTEMS = ("github", "google", "jira", "slack")
POD = dict(SAAS_CALL_LOG="saas-restart.jsonl", MAILER_OUTBOX="emails-restart.jsonl", DBOS__VMID="restarting-pod")


def test_onboarding_interrupted_mid_provisioning_finishes_exactly_once_after_restart():
    doomed = OnboardingServer("api-doomed", SAAS_CRASH_ON_CALL="8", **POD).start()
    doomed.hire("e-300", starts_in_s=1)
    wait_until(lambda: doomed.proc.poll() is not None, timeout=30, message="the drill to kill the server")
    assert_crashed_at_drill(doomed.proc, "saas-restart.jsonl")
    after = OnboardingServer("api-after", **POD).start()
    try:
        welcomed = after.wait_for_status("e-300", "welcomed", timeout=30)
    finally:
        after.stop()
    ops = sorted(c["op"] for c in read_jsonl("saas-restart.jsonl"))
    expected = sorted(f"{action}:{system}:e-300" for system in SYSTEMS for action in ("create_account", "add_to_groups"))
    assert ops == expected, f"vendor calls after the restart: {ops}"
    assert welcomed["accounts"] == {system: f"{system}-e-300" for system in SYSTEMS}
    assert len(read_jsonl("emails-restart.jsonl")) == 1
