"""A sync that overruns SYNC_TIMEOUT_S stops writing (its section syncs too), reports timed_out (exit 3), and
stays stopped; the limit counts from the sync's original start, also across a crash."""

import json
import subprocess

import pytest

from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program

PAGES = 12


def run(partner: str, run_date: str, tag: str, timeout: float = 60, **env: str):
    # One executor id per test: a restart recovers only that test's syncs, never another test's.
    env = {"CATALOG_WRITES": f"writes-{tag}.jsonl", "DBOS__VMID": f"sync-{tag}", **env}
    try:
        return run_program("sync_catalog.py", partner, run_date, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the sync of {partner} {run_date} was still running after {timeout:.0f}s")


def writes(tag: str, source: str) -> list[dict]:
    return [w for w in read_jsonl(f"writes-{tag}.jsonl") if w["source"] == source]


def summary_of(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


def test_a_sync_within_its_time_limit_completes():
    done = run("northwind", "2024-11-01", "ok", SYNC_TIMEOUT_S="60")
    assert done.returncode == 0, done.stderr[-2000:]
    assert summary_of(done.stdout) == {"partner": "northwind", "run_date": "2024-11-01", "status": "completed",
                                       "pages": PAGES, "products": PAGES * 25}
    assert len(writes("ok", "northwind@2024-11-01")) == PAGES


def test_an_overrunning_sync_stops_and_is_not_resumed_the_next_night():
    # every section needs 4 pages at 0.6 s each: none can finish within 1.5 s
    slow = run("contoso", "2024-11-02", "slow", PARTNER_LATENCY_S="0.6", SYNC_TIMEOUT_S="1.5")
    assert slow.returncode == 3, f"expected exit code 3 for a timed-out sync, got {slow.returncode}:\n{slow.stderr[-2000:]}"
    assert summary_of(slow.stdout) == {"partner": "contoso", "run_date": "2024-11-02", "status": "timed_out"}
    written = len(writes("slow", "contoso@2024-11-02"))
    assert written < PAGES, "the sections of a timed-out sync went on writing"

    nightly = run("contoso", "2024-11-03", "slow", PARTNER_LATENCY_S="0.15", SYNC_TIMEOUT_S="60")
    assert nightly.returncode == 0, nightly.stderr[-2000:]
    assert len(writes("slow", "contoso@2024-11-03")) == PAGES
    assert len(writes("slow", "contoso@2024-11-02")) == written, (
        "the timed-out sync (or one of its sections) came back and kept writing")


def test_the_time_limit_counts_from_the_original_start_across_a_crash():
    latency, limit = 1.0, 4.0
    crashed = run("fabrikam", "2024-11-04", "crash", PARTNER_LATENCY_S=str(latency), SYNC_TIMEOUT_S=str(limit),
                  CATALOG_CRASH_ON_WRITE="3")
    assert_crashed_at_drill(crashed, "writes-crash.jsonl")
    before = writes("crash", "fabrikam@2024-11-04")
    assert len(before) <= 2  # the drill kills the run before its 3rd write
    resumed = run("fabrikam", "2024-11-04", "crash", PARTNER_LATENCY_S=str(latency), SYNC_TIMEOUT_S=str(limit))
    assert resumed.returncode == 3, f"expected the resumed sync to time out, got {resumed.returncode}"
    assert summary_of(resumed.stdout)["status"] == "timed_out"
    after = writes("crash", "fabrikam@2024-11-04")
    # The sync started at least one page fetch before its first write, so its limit ran out by
    # first write - latency + limit; a page being written then may still land (1 s of slack for a loaded
    # machine). A restart that got a fresh budget keeps writing until `limit` seconds after the restart.
    first = min(w["at"] for w in after)
    last = max(w["at"] for w in after)
    allowed = first - latency + limit + 1.0
    assert last <= allowed, (
        f"the last page was written {last - first:.1f}s after the first, the limit ran out by "
        f"{allowed - first:.1f}s: the restart got a fresh time budget")
