import json

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

RUN_TIMEOUT_S = 30


def write_batch(batch_id: str, count: int) -> tuple[str, list[str]]:
    invoices = [{"id": f"INV-{batch_id}-{n}", "customer": f"Customer {n}", "amount_cents": 1000 * n,
                 "currency": "USD"} for n in range(1, count + 1)]
    path = f"exports/{batch_id}.json"
    (WORKSPACE / path).write_text(json.dumps({"batch_id": batch_id, "invoices": invoices}))
    return path, [i["id"] for i in invoices]


def sync(path: str, log: str, **env: str):
    return run_program("sync_invoices.py", path, env={"LEDGERLY_CALL_LOG": log, **env}, timeout=RUN_TIMEOUT_S)


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def max_in_flight(calls: list[dict]) -> int:
    """The largest number of calls whose [started_at, finished_at] intervals overlap at one instant."""
    edges = sorted([(c["started_at"], 1) for c in calls] + [(c["finished_at"], -1) for c in calls],
                   key=lambda edge: (edge[0], edge[1]))
    in_flight = peak = 0
    for _, delta in edges:
        in_flight += delta
        peak = max(peak, in_flight)
    return peak


@pytest.fixture(scope="module")
def synced_batch():
    path, ids = write_batch("2024-08", 4)
    done = sync(path, "calls-2024-08.jsonl")
    assert done.returncode == 0, done.stderr[-3000:]
    return path, ids, done


def test_sync_pushes_every_invoice_once(synced_batch):
    _, ids, done = synced_batch
    calls = read_jsonl("calls-2024-08.jsonl")
    assert sorted(c["invoice_id"] for c in calls) == sorted(ids)
    summary = summary_of(done.stdout)
    assert summary["batch_id"] == "2024-08"
    assert summary["synced"] == len(ids)
    assert summary["ledgerly_ids"] == {c["invoice_id"]: c["ledgerly_id"] for c in calls}


def test_never_more_than_two_calls_in_flight(synced_batch):
    calls = read_jsonl("calls-2024-08.jsonl")
    peak = max_in_flight(calls)
    assert peak <= 2, f"{peak} Ledgerly calls were in flight at once (the limit is 2)"
    assert peak == 2, "the sync never used its second slot: invoices were pushed one at a time"


def test_rerunning_a_finished_batch_pushes_nothing(synced_batch):
    path, ids, first = synced_batch
    again = sync(path, "calls-2024-08.jsonl")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(read_jsonl("calls-2024-08.jsonl")) == len(ids), "invoices were pushed to Ledgerly again"
    assert summary_of(again.stdout) == summary_of(first.stdout)


def test_restart_after_crash_pushes_each_invoice_exactly_once():
    path, ids = write_batch("2024-09", 4)
    crashed = sync(path, "calls-2024-09.jsonl", LEDGERLY_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, "calls-2024-09.jsonl")
    assert len(read_jsonl("calls-2024-09.jsonl")) < len(ids)
    resumed = sync(path, "calls-2024-09.jsonl")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    calls = read_jsonl("calls-2024-09.jsonl")
    pushed = [c["invoice_id"] for c in calls]
    assert sorted(pushed) == sorted(ids), f"pushed after recovery: {sorted(pushed)}"
    assert summary_of(resumed.stdout)["synced"] == len(ids)
    assert max_in_flight(calls) <= 2
