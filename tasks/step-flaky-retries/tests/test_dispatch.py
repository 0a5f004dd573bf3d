"""Label creation survives carrier blips with backed-off retries, gives up after 4 attempts, and a crashed
wave resumes without buying or recording any label twice (ledger rows written by DBOS transactions)."""

import json
import subprocess
from collections import Counter, defaultdict

import pytest

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, sql, unfinished_workflows


def files(wave: str) -> dict[str, str]:
    return {"CARRIER_LABELS": f"labels-{wave}.jsonl", "CARRIER_REQUEST_LOG": f"requests-{wave}.jsonl",
            "NOTIFY_OUTBOX": f"outbox-{wave}.jsonl"}


def run(wave: str, timeout: float = 30, **env: str):
    # One executor id per wave: a restart recovers only that wave's workflows, never another test's.
    env = {**files(wave), "DBOS__VMID": f"dispatch-{wave}", **env}
    try:
        return run_program("dispatch.py", wave, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`python dispatch.py {wave}` was still running after {timeout:.0f}s (retrying forever?)")


def orders(wave: str) -> list[str]:
    return [o["order_id"] for o in json.loads(open("waves.json").read())[wave]]


def labels(wave: str) -> list[dict]:
    return read_jsonl(f"labels-{wave}.jsonl")


def requests_made(wave: str) -> list[dict]:
    return read_jsonl(f"requests-{wave}.jsonl")


def ledger(wave: str) -> list[tuple[str, str]]:
    """(order_id, tracking_number) rows of the shipments ledger for a wave, sorted."""
    return sorted(sql("SELECT order_id, tracking_number FROM shipments WHERE wave_id = %s", (wave,)))


def datasource_checkpoints_of_unfinished_workflows() -> int:
    """Rows DBOS datasource transactions committed (in whatever schema) for workflows left PENDING."""
    pending = [w["workflow_id"] for w in unfinished_workflows()]
    schemas = [r[0] for r in sql("SELECT table_schema FROM information_schema.tables "
                                 "WHERE table_name = 'datasource_outputs'")]
    return sum(sql(f'SELECT count(*) FROM "{schema}".datasource_outputs WHERE workflow_id = ANY(%s)',
                   (pending,))[0][0] for schema in schemas)


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_wave_ships_every_order_once_and_a_rerun_buys_nothing():
    done = run("w-0311")
    assert done.returncode == 0, done.stderr[-2000:]
    # one label per order, bought in any order (the prompt fixes only the summary's order)
    assert sorted(label["order_id"] for label in labels("w-0311")) == sorted(orders("w-0311"))
    bought = {label["order_id"]: label["tracking_number"] for label in labels("w-0311")}
    notes = read_jsonl("outbox-w-0311.jsonl")
    assert {(n["order_id"], n["tracking_number"]) for n in notes} == set(bought.items())
    summary = summary_of(done.stdout)
    assert summary["wave_id"] == "w-0311"
    assert [s["order_id"] for s in summary["shipped"]] == orders("w-0311")
    assert {s["order_id"]: s["tracking_number"] for s in summary["shipped"]} == bought
    assert ledger("w-0311") == sorted(bought.items()), "the shipments ledger does not match the labels bought"

    again = run("w-0311")
    assert again.returncode == 0, again.stderr[-2000:]
    assert len(labels("w-0311")) == 3 and len(read_jsonl("outbox-w-0311.jsonl")) == 3
    assert summary_of(again.stdout) == summary
    assert ledger("w-0311") == sorted(bought.items()), "re-running a finished wave changed the ledger"


def test_transient_carrier_failures_are_retried():
    done = run("w-0312", CARRIER_FAIL_FIRST="2")
    assert done.returncode == 0, "a two-request carrier blip failed the wave:\n" + done.stderr[-2000:]
    assert sorted(label["order_id"] for label in labels("w-0312")) == sorted(orders("w-0312"))
    assert len(read_jsonl("outbox-w-0312.jsonl")) == 3
    assert ledger("w-0312") == sorted((lb["order_id"], lb["tracking_number"]) for lb in labels("w-0312"))
    # the carrier fails the first two requests, whichever orders they were for; each was asked again
    requests = requests_made("w-0312")
    failed = {r["order_id"] for r in requests if not r["ok"]}
    assert sum(not r["ok"] for r in requests) == 2 and failed
    for order_id in failed:
        assert [r["ok"] for r in requests if r["order_id"] == order_id][-1], f"{order_id} was not retried"


@pytest.fixture(scope="module")
def outage():
    """One wave run while the carrier answers nothing but 503s."""
    return run("w-0314", timeout=25, CARRIER_FAIL_FIRST="1000")


def test_gives_up_after_four_attempts(outage):
    assert outage.returncode != 0, "the wave reported success although the carrier never answered"
    # orders may be shipped concurrently: every label gets at most 4 attempts, and one got all 4
    per_label = Counter(r["order_id"] for r in requests_made("w-0314"))
    assert per_label and max(per_label.values()) == 4, f"expected 4 attempts at the carrier, made {dict(per_label)}"
    assert labels("w-0314") == [] and read_jsonl("outbox-w-0314.jsonl") == []
    assert ledger("w-0314") == [], "the ledger records labels the carrier never sold"


def test_retries_back_off_exponentially(outage):
    by_label = defaultdict(list)
    for r in requests_made("w-0314"):
        by_label[r["order_id"]].append(r["at"])
    times = max(by_label.values(), key=len, default=[])  # one label's attempts (others may interleave)
    assert len(times) >= 3, f"only {len(times)} attempt(s) at the carrier"
    gaps = [later - earlier for earlier, later in zip(times, times[1:])]
    assert 0.15 <= gaps[0] <= 3, f"first retry came {gaps[0]:.2f}s after the failure; expected about a quarter second"
    for earlier, later in zip(gaps, gaps[1:]):
        assert later >= 1.5 * earlier, f"retry gaps {', '.join(f'{g:.2f}s' for g in gaps)}: the wait did not grow"


def test_crashed_wave_resumes_without_buying_labels_twice():
    crashed = run("w-0316", CARRIER_CRASH_ON_LABEL="3")
    assert_crashed_at_drill(crashed, "labels-w-0316.jsonl")
    assert len(labels("w-0316")) <= 2  # the drill kills the run before its 3rd label
    if ledger("w-0316"):  # labels recorded before the crash: the prompt asks for DBOS transactions
        assert datasource_checkpoints_of_unfinished_workflows() >= 1, (
            "the interrupted wave's ledger rows were not written by DBOS datasource transactions")
    resumed = run("w-0316")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    # one label per order; the prompt fixes the summary's order, not the order labels are bought in
    assert sorted(label["order_id"] for label in labels("w-0316")) == sorted(orders("w-0316"))
    notified = sorted(n["order_id"] for n in read_jsonl("outbox-w-0316.jsonl"))
    assert notified == sorted(orders("w-0316"))
    bought = sorted((lb["order_id"], lb["tracking_number"]) for lb in labels("w-0316"))
    assert ledger("w-0316") == bought, "after the restart the ledger does not hold each label exactly once"
