import json
from collections import defaultdict

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

RUN_TIMEOUT_S = 30
REQUESTS = [("acme", "orders"), ("acme", "customers"), ("globex", "orders"), ("globex", "invoices"),
            ("initech", "orders")]


def write_requests(night: str) -> tuple[str, dict[str, str]]:
    requests = [{"export_id": f"{night}-{n}", "tenant": tenant, "dataset": dataset}
                for n, (tenant, dataset) in enumerate(REQUESTS, start=1)]
    path = f"requests-{night}.json"
    (WORKSPACE / path).write_text(json.dumps(requests))
    return path, {r["export_id"]: r["tenant"] for r in requests}


def run_job(path: str, log: str, **env: str):
    return run_program("nightly_exports.py", path, env={"WAREHOUSE_EXPORT_LOG": log, **env}, timeout=RUN_TIMEOUT_S)


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def peak_overlap(calls: list[dict]) -> int:
    edges = sorted([(c["started_at"], 1) for c in calls] + [(c["finished_at"], -1) for c in calls])
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


def per_tenant_peaks(calls: list[dict]) -> dict[str, int]:
    by_tenant = defaultdict(list)
    for call in calls:
        by_tenant[call["tenant"]].append(call)
    return {tenant: peak_overlap(tenant_calls) for tenant, tenant_calls in by_tenant.items()}


@pytest.fixture(scope="module")
def first_night():
    path, tenants = write_requests("n1")
    done = run_job(path, "exports-n1.jsonl")
    assert done.returncode == 0, done.stderr[-3000:]
    return path, tenants, done


def test_every_export_runs_once(first_night):
    _, tenants, done = first_night
    calls = read_jsonl("exports-n1.jsonl")
    assert sorted(c["export_id"] for c in calls) == sorted(tenants)
    assert all(c["tenant"] == tenants[c["export_id"]] for c in calls)
    summary = summary_of(done.stdout)
    assert summary["exported"] == len(tenants)
    assert summary["urls"] == {c["export_id"]: c["url"] for c in calls}


def test_a_tenant_never_has_two_exports_running(first_night):
    peaks = per_tenant_peaks(read_jsonl("exports-n1.jsonl"))
    assert all(peak == 1 for peak in peaks.values()), f"exports running at once per tenant: {peaks}"


def test_different_tenants_export_in_parallel(first_night):
    assert peak_overlap(read_jsonl("exports-n1.jsonl")) >= 2, "exports still ran one at a time"


def test_rerunning_a_finished_job_runs_nothing(first_night):
    path, tenants, first = first_night
    again = run_job(path, "exports-n1.jsonl")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(read_jsonl("exports-n1.jsonl")) == len(tenants), "exports ran again"
    assert summary_of(again.stdout) == summary_of(first.stdout)


def test_restart_after_crash_runs_each_export_exactly_once():
    path, tenants = write_requests("n2")
    crashed = run_job(path, "exports-n2.jsonl", WAREHOUSE_CRASH_ON_CALL="4")
    assert_crashed_at_drill(crashed, "exports-n2.jsonl")
    resumed = run_job(path, "exports-n2.jsonl")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    calls = read_jsonl("exports-n2.jsonl")
    assert sorted(c["export_id"] for c in calls) == sorted(tenants), "an export ran twice or was skipped"
    assert summary_of(resumed.stdout)["exported"] == len(tenants)
    assert all(peak == 1 for peak in per_tenant_peaks(calls).values())
