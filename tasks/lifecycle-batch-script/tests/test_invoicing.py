import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

ACTIVE = {"c-001": 2900 * 12, "c-002": 900 * 3, "c-004": 9900 * 150, "c-005": 900, "c-006": 2900 * 7}


def run(batch: str, **env: str):
    return run_program("invoices.py", batch, env={"BILLING_LEDGER": f"ledger-{batch}.jsonl",
                                                   "MAILER_OUTBOX": f"outbox-{batch}.jsonl", **env})


def charges(batch: str) -> list[dict]:
    return read_jsonl(f"ledger-{batch}.jsonl")


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_batch_charges_each_active_customer_once():
    done = run("2024-05")
    assert done.returncode == 0, done.stderr[-2000:]
    assert sorted(c["customer_id"] for c in charges("2024-05")) == sorted(ACTIVE)
    assert {c["customer_id"]: c["amount_cents"] for c in charges("2024-05")} == ACTIVE
    assert len(read_jsonl("outbox-2024-05.jsonl")) == len(ACTIVE)
    summary = summary_of(done.stdout)
    assert summary == {"batch_id": "2024-05", "charged": 5, "total_cents": sum(ACTIVE.values())}


def test_rerunning_a_finished_batch_charges_nobody_again():
    first = run("2024-06")
    assert first.returncode == 0, first.stderr[-2000:]
    again = run("2024-06")
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(charges("2024-06")) == len(ACTIVE)
    assert summary_of(again.stdout) == summary_of(first.stdout)


def test_restart_after_crash_charges_everyone_exactly_once():
    crashed = run("2024-07", BILLING_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, "ledger-2024-07.jsonl")
    # the drill kills the run before its 3rd charge: at most 2 went out, in whatever order they were made
    assert len(charges("2024-07")) <= 2
    resumed = run("2024-07")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    ledger = charges("2024-07")
    assert sorted(c["customer_id"] for c in ledger) == sorted(ACTIVE), "someone was charged twice or skipped"
    receipts = read_jsonl("outbox-2024-07.jsonl")
    assert sorted(r["to"] for r in receipts) == sorted(ACTIVE)
    assert summary_of(resumed.stdout)["charged"] == 5
