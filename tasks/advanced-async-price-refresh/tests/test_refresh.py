"""The price refresh run end to end. A drill in pricing.py can kill the job before its N-th provider call;
with 3 lookups per round, call 7 is the first lookup of the second round."""

import json

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program

RUN_TIMEOUT_S = 30
CATALOG = json.loads((WORKSPACE / "catalog.json").read_text())


def expected_price(item: dict, competitor_cents: int) -> int:
    return max(round(item["cost_cents"] * (1 + item["min_margin"])), competitor_cents - 1)


def refresh(run_date: str, **env: str):
    return run_program("refresh_prices.py", run_date, timeout=RUN_TIMEOUT_S,
                       env={"PRICING_LOOKUP_LOG": f"lookups-{run_date}.jsonl",
                            "PRICING_UPDATE_LOG": f"updates-{run_date}.jsonl", **env})


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def peak_overlap(calls: list[dict]) -> int:
    edges = sorted([(c["started_at"], 1) for c in calls] + [(c["finished_at"], -1) for c in calls])
    running = peak = 0
    for _, delta in edges:
        running += delta
        peak = max(peak, running)
    return peak


@pytest.fixture(scope="module")
def first_run():
    done = refresh("2024-07-01")
    assert done.returncode == 0, done.stderr[-3000:]
    return done


def test_every_sku_is_looked_up_and_priced_once(first_run):
    lookups = read_jsonl("lookups-2024-07-01.jsonl")
    updates = read_jsonl("updates-2024-07-01.jsonl")
    skus = sorted(item["sku"] for item in CATALOG)
    assert sorted(c["sku"] for c in lookups) == skus
    assert sorted(u["sku"] for u in updates) == skus
    competitor = {c["sku"]: c["price_cents"] for c in lookups}
    expected = {item["sku"]: expected_price(item, competitor[item["sku"]]) for item in CATALOG}
    assert {u["sku"]: u["price_cents"] for u in updates} == expected
    assert summary_of(first_run.stdout) == {"run_date": "2024-07-01", "refreshed": len(CATALOG), "prices": expected}


def test_at_most_three_lookups_in_flight(first_run):
    peak = peak_overlap(read_jsonl("lookups-2024-07-01.jsonl"))
    assert peak <= 3, f"{peak} lookups were in flight at once (the provider allows 3)"
    assert peak >= 2, "lookups ran one at a time"


def test_rerunning_a_finished_run_does_nothing(first_run):
    again = refresh("2024-07-01")
    assert again.returncode == 0, again.stderr[-3000:]
    assert len(read_jsonl("lookups-2024-07-01.jsonl")) == len(CATALOG)
    assert len(read_jsonl("updates-2024-07-01.jsonl")) == len(CATALOG)
    assert summary_of(again.stdout) == summary_of(first_run.stdout)


def test_restart_after_crash_looks_up_and_prices_each_sku_once():
    crashed = refresh("2024-07-02", PRICING_CRASH_ON_CALL="7")
    assert_crashed_at_drill(crashed, "lookups-2024-07-02.jsonl", "updates-2024-07-02.jsonl")
    resumed = refresh("2024-07-02")
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    skus = sorted(item["sku"] for item in CATALOG)
    assert sorted(c["sku"] for c in read_jsonl("lookups-2024-07-02.jsonl")) == skus, "a price was looked up twice"
    assert sorted(u["sku"] for u in read_jsonl("updates-2024-07-02.jsonl")) == skus, "a price was set twice or never"
    assert summary_of(resumed.stdout)["refreshed"] == len(CATALOG)
