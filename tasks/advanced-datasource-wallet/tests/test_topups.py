"""`python apply_topups.py topups/<batch>.json` credits every top-up exactly once, also across a crash."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql

BATCH_0412 = {"tp-9001", "tp-9002", "tp-9003", "tp-9004", "tp-9005", "tp-9006"}


def apply(batch: str, **env: str):
    return run_program("apply_topups.py", f"topups/{batch}.json", env={"RECEIPTS_LOG": f"receipts-{batch}.jsonl", **env})


def summary(done) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def credits(topup_ids: set[str]) -> list[str]:
    rows = sql("SELECT topup_id FROM wallet_credits WHERE topup_id = ANY(%s) ORDER BY id", (sorted(topup_ids),))
    return [r[0] for r in rows]


def balances(*users: str) -> dict[str, int]:
    rows = sql("SELECT user_id, balance_cents FROM wallet_balances WHERE user_id = ANY(%s)", (list(users),))
    return dict(rows)


def datasource_checkpoints() -> int:
    """Rows DBOS datasource transactions keep (in whatever schema) for workflows that have not finished."""
    schemas = [r[0] for r in sql("SELECT table_schema FROM information_schema.tables "
                                 "WHERE table_name = 'datasource_outputs'")]
    return sum(sql(f'SELECT count(*) FROM "{schema}".datasource_outputs')[0][0] for schema in schemas)


def test_batch_credits_each_topup_once_and_a_rerun_changes_nothing():
    first = apply("batch-0413")
    assert first.returncode == 0, first.stderr[-2000:]
    assert summary(first) == {"batch": "batch-0413", "applied": 3, "total_cents": 4900}
    assert sorted(credits({"tp-9101", "tp-9102", "tp-9103"})) == ["tp-9101", "tp-9102", "tp-9103"]
    assert balances("u-eli", "u-fay") == {"u-eli": 4200, "u-fay": 700}
    receipts = read_jsonl("receipts-batch-0413.jsonl")
    assert sorted(r["topup_id"] for r in receipts) == ["tp-9101", "tp-9102", "tp-9103"]
    # a receipt shows the balance after its credit; the top-ups may be applied in any order
    assert [r["balance_cents"] for r in receipts if r["user_id"] == "u-fay"] == [700]
    assert max(r["balance_cents"] for r in receipts if r["user_id"] == "u-eli") == 4200

    again = apply("batch-0413")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary(again) == summary(first)
    assert len(credits({"tp-9101", "tp-9102", "tp-9103"})) == 3
    assert balances("u-eli", "u-fay") == {"u-eli": 4200, "u-fay": 700}
    assert len(read_jsonl("receipts-batch-0413.jsonl")) == 3


def test_rerun_after_a_crash_credits_and_notifies_each_topup_exactly_once():
    crashed = apply("batch-0412", RECEIPTS_CRASH_BEFORE_SEND="3")
    assert_crashed_at_drill(crashed, "receipts-batch-0412.jsonl")
    assert len(read_jsonl("receipts-batch-0412.jsonl")) <= 2  # the drill kills the run before its 3rd receipt
    assert datasource_checkpoints() >= 1, (
        "the wallet credits of the interrupted batch were not made in DBOS datasource transactions")

    rerun = apply("batch-0412")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert summary(rerun) == {"batch": "batch-0412", "applied": 6, "total_cents": 22000}
    assert sorted(credits(BATCH_0412)) == sorted(BATCH_0412), "a top-up was credited twice or not at all"
    assert balances("u-ana", "u-ben", "u-cai", "u-dev") == {"u-ana": 7500, "u-ben": 2500, "u-cai": 2000,
                                                            "u-dev": 10000}
    sent = [r["topup_id"] for r in read_jsonl("receipts-batch-0412.jsonl")]
    assert sorted(sent) == sorted(BATCH_0412), "a receipt was sent twice or not at all"
