"""Each due subscription is charged exactly once per renewal day, also when the run dies right after a charge
went through and is run again (the gateway deduplicates only by idempotency key)."""

import json
from collections import Counter

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

PRICES = {"basic": 900, "pro": 2900, "team": 9900}
PLANS = ["pro", "team", "basic", "team", "basic"]


def subscriptions(tag: str, day: str, count: int = 5) -> list[dict]:
    return [{"subscription_id": f"sub_{tag}{i}", "customer_id": f"cus_{tag}{i}", "email": f"{tag}{i}@example.com",
             "plan": PLANS[i % len(PLANS)], "renews_on": day} for i in range(count)]


def write_subscriptions(tag: str, subs: list[dict]) -> str:
    name = f"subs-{tag}.json"
    (WORKSPACE / name).write_text(json.dumps(subs))
    return name


def run(day: str, subs_file: str, tag: str, **env: str):
    # One executor id per test: a rerun recovers only this test's interrupted work.
    files = {"GATEWAY_CHARGES": f"charges-{tag}.jsonl", "ACCOUNTS_RENEWALS": f"renewals-{tag}.jsonl",
             "MAILER_OUTBOX": f"outbox-{tag}.jsonl", "DBOS__VMID": f"renewer-{tag}"}
    return run_program("renew.py", day, subs_file, env={**files, **env}, timeout=90)


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def assert_renewed_exactly_once(tag: str, subs: list[dict], period: str) -> None:
    charges = read_jsonl(f"charges-{tag}.jsonl")
    per_customer = Counter(c["customer_id"] for c in charges)
    assert per_customer == Counter(s["customer_id"] for s in subs), f"charges per customer: {dict(per_customer)}"
    charge_of = {c["customer_id"]: c for c in charges}
    by_sub = {s["subscription_id"]: s for s in subs}
    for sub in subs:
        assert charge_of[sub["customer_id"]]["amount_cents"] == PRICES[sub["plan"]]
    renewals = read_jsonl(f"renewals-{tag}.jsonl")
    assert sorted(r["subscription_id"] for r in renewals) == sorted(by_sub), "each subscription is extended once"
    for r in renewals:
        assert r["period"] == period
        assert r["charge_id"] == charge_of[by_sub[r["subscription_id"]]["customer_id"]]["charge_id"]
    invoices = read_jsonl(f"outbox-{tag}.jsonl")
    assert sorted(i["subscription_id"] for i in invoices) == sorted(by_sub), "each subscription is invoiced once"
    for i in invoices:
        assert i["charge_id"] == charge_of[by_sub[i["subscription_id"]]["customer_id"]]["charge_id"]


def test_a_day_renews_every_due_subscription_once():
    subs = subscriptions("a", "2024-09-01") + [{"subscription_id": "sub_a9", "customer_id": "cus_a9",
                                                 "email": "a9@example.com", "plan": "pro", "renews_on": "2024-09-02"}]
    done = run("2024-09-01", write_subscriptions("a", subs), "a")
    assert done.returncode == 0, done.stderr[-2000:]
    due = subs[:5]
    assert_renewed_exactly_once("a", due, "2024-09")
    assert summary_of(done.stdout) == {"day": "2024-09-01", "renewed": 5,
                                       "charged_cents": sum(PRICES[s["plan"]] for s in due)}


def test_rerunning_a_finished_day_charges_nobody_and_the_next_renewal_charges_again():
    subs = subscriptions("b", "2024-09-03", count=3)
    path = write_subscriptions("b", subs)
    first = run("2024-09-03", path, "b")
    assert first.returncode == 0, first.stderr[-2000:]
    again = run("2024-09-03", path, "b")
    assert again.returncode == 0, again.stderr[-2000:]
    assert summary_of(again.stdout) == summary_of(first.stdout)
    assert_renewed_exactly_once("b", subs, "2024-09")

    next_month = write_subscriptions("b", [{**s, "renews_on": "2024-10-03"} for s in subs])
    later = run("2024-10-03", next_month, "b")
    assert later.returncode == 0, later.stderr[-2000:]
    charges = Counter(c["customer_id"] for c in read_jsonl("charges-b.jsonl"))
    assert charges == Counter({s["customer_id"]: 2 for s in subs}), "one charge per subscription per renewal day"
    assert sorted(r["period"] for r in read_jsonl("renewals-b.jsonl")) == ["2024-09"] * 3 + ["2024-10"] * 3


def test_a_run_killed_right_after_a_charge_is_finished_without_charging_twice():
    subs = subscriptions("c", "2024-09-05")
    path = write_subscriptions("c", subs)
    crashed = run("2024-09-05", path, "c", GATEWAY_CRASH_AFTER_CALL="2")
    assert_crashed_at_drill(crashed, "charges-c.jsonl")
    charged_before = read_jsonl("charges-c.jsonl")
    assert len(charged_before) >= 2, "the drill fires after the second charge went through"
    assert len(read_jsonl("renewals-c.jsonl")) < len(subs), "the killed run left work unfinished"

    resumed = run("2024-09-05", path, "c")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert_renewed_exactly_once("c", subs, "2024-09")
    assert summary_of(resumed.stdout) == {"day": "2024-09-05", "renewed": 5,
                                          "charged_cents": sum(PRICES[s["plan"]] for s in subs)}
