"""Each tenant's day is uploaded exactly once, whoever asks for it and however often: nightly reruns after a
crash or after finishing, and the support command before, after or during a nightly run."""

import json
import subprocess
import zlib

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until

TENANTS = ("acme", "globex", "initech", "umbrella", "hooli")


def rows(tenant: str, date: str) -> int:
    return 3 + zlib.crc32(f"{tenant}/{date}".encode()) % 7


def env_for(tag: str, **extra: str) -> dict[str, str]:
    # One executor id per test: a start recovers only that test's runs, never another test's.
    return {"EXPORT_UPLOADS": f"uploads-{tag}.jsonl", "EXPORT_MANIFESTS": f"manifests-{tag}.jsonl",
            "DBOS__VMID": f"exports-{tag}", "WAREHOUSE_LATENCY_S": "0.1", **extra}


def run(tag: str, *args: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    try:
        return run_program("exports.py", *args, env=env_for(tag, **extra), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`exports.py {' '.join(args)}` was still running after {timeout:.0f}s")


def summary_of(done: subprocess.CompletedProcess) -> dict:
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.strip().splitlines() if line.startswith("{")]
    assert lines, f"no JSON summary printed:\n{done.stdout[-2000:]}"
    return json.loads(lines[-1])


def uploads(tag: str, date: str) -> list[str]:
    return sorted(u["tenant"] for u in read_jsonl(f"uploads-{tag}.jsonl") if u["date"] == date)


def manifests(tag: str, date: str) -> list[dict]:
    return [m for m in read_jsonl(f"manifests-{tag}.jsonl") if m["date"] == date]


def full_summary(date: str) -> dict:
    return {"date": date, "exported": {tenant: rows(tenant, date) for tenant in TENANTS}}


def test_a_night_is_exported_once_and_a_rerun_does_nothing_again():
    date = "2024-12-02"
    assert summary_of(run("rerun", "run", date)) == full_summary(date)
    assert uploads("rerun", date) == sorted(TENANTS)
    assert summary_of(run("rerun", "run", date)) == full_summary(date)
    assert uploads("rerun", date) == sorted(TENANTS), "the rerun of a finished night uploaded again"
    assert [m["exported"] for m in manifests("rerun", date)] == [full_summary(date)["exported"]]


def test_a_crashed_night_resumes_without_re_uploading():
    date = "2024-12-03"
    crashed = run("crash", "run", date, EXPORT_CRASH_ON_UPLOAD="3")
    assert_crashed_at_drill(crashed, f"uploads-crash.jsonl")
    assert len(uploads("crash", date)) <= 2
    assert summary_of(run("crash", "run", date)) == full_summary(date)
    assert uploads("crash", date) == sorted(TENANTS), "each tenant must be uploaded exactly once"
    assert len(manifests("crash", date)) == 1


def test_support_resending_an_exported_day_does_not_upload_again():
    date = "2024-12-04"
    assert summary_of(run("resend", "run", date)) == full_summary(date)
    resent = summary_of(run("resend", "tenant", date, "initech"))
    assert resent == {"date": date, "tenant": "initech", "rows": rows("initech", date)}
    assert uploads("resend", date) == sorted(TENANTS), "support's resend uploaded initech's day a second time"
    again = summary_of(run("resend", "tenant", date, "initech"))
    assert again == resent
    assert uploads("resend", date) == sorted(TENANTS)


def test_a_night_after_a_support_export_skips_that_tenant():
    date = "2024-12-05"
    first = summary_of(run("support-first", "tenant", date, "globex"))
    assert first == {"date": date, "tenant": "globex", "rows": rows("globex", date)}
    assert uploads("support-first", date) == ["globex"]
    assert summary_of(run("support-first", "run", date)) == full_summary(date)
    assert uploads("support-first", date) == sorted(TENANTS), "the nightly run uploaded globex's day again"


def test_support_during_a_running_night_waits_for_that_export():
    date = "2024-12-06"
    night = start_program("exports.py", "run", date, env=env_for("during", WAREHOUSE_LATENCY_S="3"),
                          log="night-during.log")
    try:
        wait_until(lambda: run_rows_started(night), timeout=40, message="the nightly run to start exporting")
        resent = summary_of(run("during", "tenant", date, "hooli", WAREHOUSE_LATENCY_S="3", DBOS__VMID="support"))
        assert resent == {"date": date, "tenant": "hooli", "rows": rows("hooli", date)}
        night.wait(timeout=40)
    finally:
        if night.poll() is None:
            night.kill()
    assert night.returncode == 0, (WORKSPACE / "night-during.log").read_text()[-2000:]
    assert uploads("during", date) == sorted(TENANTS), "hooli's day was uploaded by both the night and support"


def run_rows_started(night: subprocess.Popen) -> bool:
    """The nightly run has started its tenants' exports (their workflows exist), or has died."""
    if night.poll() is not None:
        raise AssertionError((WORKSPACE / "night-during.log").read_text()[-2000:])
    from dbos_evalkit import workflows
    try:
        return len([w for w in workflows() if w["status"] == "PENDING"]) >= 2
    except Exception:
        return False
