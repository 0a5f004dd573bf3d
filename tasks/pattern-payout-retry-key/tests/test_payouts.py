"""Every payout is transferred and emailed exactly once: across gateway timeouts after the bank acted, a
crash between the bank executing a transfer and us getting its answer, and re-runs of the batch file.
Closed accounts see one attempt; payouts whose every attempt times out are reported unreachable."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program


def payout(tag: str, n: int, account: str, amount: int) -> dict:
    return {"payout_id": f"po-{tag}-{n}", "seller_id": f"s-{tag}-{n}", "amount_cents": amount,
            "account": account, "email": f"seller{n}@{tag}.example"}


def write_batch(tag: str, payouts: list[dict]) -> str:
    folder = WORKSPACE / "batches-test"
    folder.mkdir(exist_ok=True)
    (folder / f"{tag}.jsonl").write_text("".join(json.dumps(p) + "\n" for p in payouts))
    return f"batches-test/{tag}.jsonl"


def run(path: str, tag: str, **env: str):
    # One executor id per test: a restart recovers only that test's payouts, never another test's.
    files = {"BANK_LEDGER": f"transfers-{tag}.jsonl", "BANK_REJECTIONS": f"rejections-{tag}.jsonl",
             "NOTIFIER_OUTBOX": f"outbox-{tag}.jsonl"}
    return run_program("payouts.py", path, env={**files, **env}, executor=f"payouts-{tag}", timeout=50)


def summary_of(done) -> dict:
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def transfers_per_payout(tag: str) -> Counter:
    return Counter(t["reference"].split()[-1] for t in read_jsonl(f"transfers-{tag}.jsonl"))


def emails_per_payout(tag: str) -> Counter:
    return Counter(m["payout_id"] for m in read_jsonl(f"outbox-{tag}.jsonl"))


def test_gateway_timeouts_after_the_bank_acted_pay_each_seller_once():
    payouts = [payout("t", 1, "acct_laggy_t1", 1000), payout("t", 2, "acct_t2", 2000),
               payout("t", 3, "acct_laggy_t3", 3000)]
    summary = summary_of(run(write_batch("t", payouts), "t"))
    ids = [p["payout_id"] for p in payouts]
    assert transfers_per_payout("t") == Counter(ids), "a payout was transferred more (or less) than once"
    assert emails_per_payout("t") == Counter(ids)
    assert (summary["paid"], summary["paid_cents"], summary["failed"], summary["unreachable"]) == (3, 6000, [], [])
    transfers = {t["reference"].split()[-1]: t["transfer_id"] for t in read_jsonl("transfers-t.jsonl")}
    assert sorted((r["payout_id"], r["status"], r.get("transfer_id")) for r in summary["results"]) == sorted(
        (i, "paid", transfers[i]) for i in ids)


def test_closed_account_is_tried_once_and_offline_bank_is_reported_unreachable():
    payouts = [payout("c", 1, "acct_closed_c1", 500), payout("c", 2, "acct_offline_c2", 700),
               payout("c", 3, "acct_c3", 900)]
    summary = summary_of(run(write_batch("c", payouts), "c"))
    assert len(read_jsonl("rejections-c.jsonl")) == 1, "the closed account saw more than one attempt"
    assert transfers_per_payout("c") == Counter({"po-c-3": 1})
    assert emails_per_payout("c") == Counter({"po-c-3": 1})
    assert summary["failed"] == ["po-c-1"] and summary["unreachable"] == ["po-c-2"]
    assert (summary["paid"], summary["paid_cents"]) == (1, 900)
    statuses = {r["payout_id"]: r["status"] for r in summary["results"]}
    assert statuses == {"po-c-1": "failed", "po-c-2": "unreachable", "po-c-3": "paid"}


def test_crash_before_the_banks_answer_then_rerun_pays_each_seller_once():
    payouts = [payout("k", n, f"acct_laggy_k{n}" if n % 2 else f"acct_k{n}", 100 * n) for n in range(1, 6)]
    path = write_batch("k", payouts)
    crashed = run(path, "k", BANK_CRASH_AFTER_TRANSFER="2")
    assert_crashed_at_drill(crashed, "transfers-k.jsonl")
    summary = summary_of(run(path, "k"))
    ids = [p["payout_id"] for p in payouts]
    assert transfers_per_payout("k") == Counter(ids), "a payout was transferred twice (or never) across the crash"
    assert emails_per_payout("k") == Counter(ids)
    assert (summary["paid"], summary["paid_cents"]) == (5, 1500)


def test_running_a_finished_batch_again_pays_and_emails_nobody_again():
    payouts = [payout("r", 1, "acct_r1", 4200), payout("r", 2, "acct_laggy_r2", 1800),
               payout("r", 3, "acct_closed_r3", 300)]
    path = write_batch("r", payouts)
    first = summary_of(run(path, "r"))
    again = summary_of(run(path, "r"))
    assert transfers_per_payout("r") == Counter({"po-r-1": 1, "po-r-2": 1})
    assert emails_per_payout("r") == Counter({"po-r-1": 1, "po-r-2": 1})
    assert len(read_jsonl("rejections-r.jsonl")) == 1
    assert (again["paid"], again["paid_cents"], again["failed"]) == (first["paid"], first["paid_cents"], first["failed"]) == (2, 6000, ["po-r-3"])
    paid_ids = lambda s: sorted((r["payout_id"], r.get("transfer_id")) for r in s["results"] if r["status"] == "paid")  # noqa: E731
    assert paid_ids(again) == paid_ids(first)
