"""The importer as ops run it: a feed, a re-run, two partners with the same batch id, a crash mid-feed."""

import json

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

ACME = {"AC-1": 1200, "AC-3": 480, "AC-4": 11880, "AC-5": 180}
GLOBEX = {"GX-10": 2700, "GX-11": 945}


def run(partner: str, batch: str, log: str, executor: str, **env: str):
    return run_program("import_feed.py", partner, batch, env={"CATALOG_LOG": log, **env}, executor=executor,
                       timeout=90)


def summary_of(done) -> dict:
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2500:]
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    assert lines, f"no JSON summary line in the output:\n{done.stdout[-1500:]}"
    return json.loads(lines[-1])


def pushed(log: str, partner: str, batch: str) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for row in read_jsonl(log):
        if row["partner"] == partner and row["batch_id"] == batch:
            found.setdefault(row["sku"], []).append(row["price_cents"])
    return found


def assert_exactly_once(log: str, partner: str, batch: str, expected: dict[str, int]) -> None:
    assert pushed(log, partner, batch) == {sku: [price] for sku, price in expected.items()}, (
        f"every product must be pushed exactly once: {pushed(log, partner, batch)}")


def test_a_feed_pushes_every_live_product_once():
    summary = summary_of(run("acme", "b-full", "catalog-full.jsonl", executor="full"))
    assert summary == {"partner": "acme", "batch": "b-full", "imported": 4, "skipped": 1}
    assert_exactly_once("catalog-full.jsonl", "acme", "b-full", ACME)


def test_rerunning_a_finished_batch_pushes_nothing_again():
    first = summary_of(run("globex", "b-rerun", "catalog-rerun.jsonl", executor="rerun"))
    again = summary_of(run("globex", "b-rerun", "catalog-rerun.jsonl", executor="rerun"))
    assert again == first == {"partner": "globex", "batch": "b-rerun", "imported": 2, "skipped": 1}
    assert len(read_jsonl("catalog-rerun.jsonl")) == 2


def test_two_partners_with_the_same_batch_id_are_two_batches():
    acme = summary_of(run("acme", "2024-11", "catalog-both.jsonl", executor="both"))
    globex = summary_of(run("globex", "2024-11", "catalog-both.jsonl", executor="both"))
    assert acme == {"partner": "acme", "batch": "2024-11", "imported": 4, "skipped": 1}
    assert globex == {"partner": "globex", "batch": "2024-11", "imported": 2, "skipped": 1}
    assert_exactly_once("catalog-both.jsonl", "acme", "2024-11", ACME)
    assert_exactly_once("catalog-both.jsonl", "globex", "2024-11", GLOBEX)


def test_crash_mid_feed_then_rerun_pushes_each_product_once_and_reports_the_whole_batch():
    crashed = run("acme", "b-crash", "catalog-crash.jsonl", executor="crash", CATALOG_CRASH_ON_CALL="3")
    assert_crashed_at_drill(crashed, "catalog-crash.jsonl")
    assert len(read_jsonl("catalog-crash.jsonl")) <= 2  # killed just before the 3rd catalog call
    summary = summary_of(run("acme", "b-crash", "catalog-crash.jsonl", executor="crash"))
    assert summary == {"partner": "acme", "batch": "b-crash", "imported": 4, "skipped": 1}
    assert_exactly_once("catalog-crash.jsonl", "acme", "b-crash", ACME)
