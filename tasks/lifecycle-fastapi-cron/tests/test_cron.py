"""The weekly run (`python cron.py <period>`) pays everyone once, also when it is re-run after a crash."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

W45_PAID = {"cr-ada": 18250, "cr-bo": 4200, "cr-di": 96100, "cr-ed": 1275, "cr-fu": 22000}
W46_PAID = {"cr-ada", "cr-cy", "cr-di", "cr-ed", "cr-fu", "cr-gi"}


def weekly(period: str, tag: str, **env: str):
    return run_program("cron.py", period, env={"BANK_LEDGER": f"transfers-{tag}.jsonl",
                                               "STATEMENTS_OUTBOX": f"statements-{tag}.jsonl", **env})


def summary(done) -> dict:
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_weekly_run_pays_each_creator_once_and_a_rerun_pays_nobody(tmp_path):
    first = weekly("2024-W45", "w45")
    assert first.returncode == 0, first.stderr[-2000:]
    assert summary(first) == {"period": "2024-W45", "paid": 5, "total_cents": sum(W45_PAID.values()),
                              "below_minimum": 1}
    assert {t["creator_id"]: t["amount_cents"] for t in read_jsonl("transfers-w45.jsonl")} == W45_PAID
    assert len(read_jsonl("statements-w45.jsonl")) == 5

    again = weekly("2024-W45", "w45")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary(again) == summary(first)
    assert len(read_jsonl("transfers-w45.jsonl")) == 5


def test_rerun_after_a_crash_pays_everyone_exactly_once():
    crashed = weekly("2024-W46", "w46", BANK_CRASH_BEFORE_TRANSFER="4")
    assert_crashed_at_drill(crashed, "transfers-w46.jsonl", "statements-w46.jsonl")
    assert len(read_jsonl("transfers-w46.jsonl")) <= 3  # the drill kills the run before its 4th transfer

    resumed = weekly("2024-W46", "w46")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert summary(resumed)["paid"] == 6
    paid = [t["creator_id"] for t in read_jsonl("transfers-w46.jsonl")]
    assert sorted(paid) == sorted(W46_PAID), "someone was paid twice or skipped"
    assert sorted(s["to"] for s in read_jsonl("statements-w46.jsonl")) == sorted(W46_PAID)
