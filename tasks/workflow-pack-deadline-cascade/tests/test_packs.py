"""Builds are durable (each section once after a crash), bounded by PACK_DEADLINE_S counted from the first
start (crashes included), cancellable from another process, and a stopped build stops every region and
never runs again."""

import json
import subprocess
import time

import pytest

from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until

SECTIONS = 40
REGIONS = 4


def env_for(tag: str, **extra: str) -> dict[str, str]:
    # One executor id per test: a start recovers only that test's builds, never another test's.
    return {"PACK_SECTIONS": f"sections-{tag}.jsonl", "PACK_COVERS": f"covers-{tag}.jsonl",
            "DBOS__VMID": f"packs-{tag}", **extra}


def build(pack_id: str, tag: str, timeout: float = 60, **extra: str) -> subprocess.CompletedProcess:
    try:
        return run_program("packs.py", "build", pack_id, env=env_for(tag, **extra), timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the build of {pack_id} was still running after {timeout:.0f}s")


def sections(tag: str, pack_id: str) -> list[dict]:
    return [s for s in read_jsonl(f"sections-{tag}.jsonl") if s["pack_id"] == pack_id]


def summary_of(stdout: str) -> dict:
    lines = [line for line in stdout.strip().splitlines() if line.startswith("{")]
    assert lines, f"no JSON summary printed:\n{stdout[-2000:]}"
    return json.loads(lines[-1])


def assert_complete(tag: str, pack_id: str) -> None:
    keys = [(s["region"], s["chunk"]) for s in sections(tag, pack_id)]
    assert len(keys) == SECTIONS and len(set(keys)) == SECTIONS, (
        f"expected each of the {SECTIONS} sections of {pack_id} exactly once, got {len(keys)} ({len(set(keys))} distinct)")
    assert [c["pack_id"] for c in read_jsonl(f"covers-{tag}.jsonl")].count(pack_id) == 1


def test_a_build_within_its_deadline_completes():
    done = build("q1-board", "ok", PACK_DEADLINE_S="60", WAREHOUSE_LATENCY_S="0.02")
    assert done.returncode == 0, done.stderr[-2000:]
    assert summary_of(done.stdout) == {"pack_id": "q1-board", "status": "completed", "sections": SECTIONS}
    assert_complete("ok", "q1-board")


def test_a_build_resumed_after_a_crash_writes_each_section_once():
    crashed = build("q2-board", "resume", PACK_CRASH_ON_SECTION="6", WAREHOUSE_LATENCY_S="0.05")
    assert_crashed_at_drill(crashed, "sections-resume.jsonl")
    assert len(sections("resume", "q2-board")) <= 5
    resumed = build("q2-board", "resume", WAREHOUSE_LATENCY_S="0.02")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert summary_of(resumed.stdout) == {"pack_id": "q2-board", "status": "completed", "sections": SECTIONS}
    assert_complete("resume", "q2-board")


def test_the_deadline_stops_every_region_and_the_build_stays_stopped():
    slow = build("q3-board", "deadline", PACK_DEADLINE_S="2.5", WAREHOUSE_LATENCY_S="0.3")
    assert slow.returncode == 3, f"expected exit code 3 for a build past its deadline, got {slow.returncode}:\n{slow.stderr[-2000:]}"
    assert summary_of(slow.stdout) == {"pack_id": "q3-board", "status": "stopped"}
    written = len(sections("deadline", "q3-board"))
    assert written < SECTIONS, "the build went on writing every section after its deadline"
    # the next build on the same machine must not bring any part of the stopped one back
    nxt = build("q4-board", "deadline", PACK_DEADLINE_S="60", WAREHOUSE_LATENCY_S="0.25")  # long enough to recover q3
    assert nxt.returncode == 0, nxt.stderr[-2000:]
    assert_complete("deadline", "q4-board")
    assert len(sections("deadline", "q3-board")) == written, "a region of the stopped build ran again"
    again = build("q3-board", "deadline", PACK_DEADLINE_S="60", WAREHOUSE_LATENCY_S="0.02")
    assert again.returncode == 3, f"building a stopped pack again should report it stopped (exit 3), got {again.returncode}"
    assert len(sections("deadline", "q3-board")) == written, "building a stopped pack again resumed it"


def test_the_deadline_counts_from_the_first_start_across_a_crash():
    crashed = build("q5-board", "crash", PACK_DEADLINE_S="3", WAREHOUSE_LATENCY_S="0.4", PACK_CRASH_ON_SECTION="3")
    assert_crashed_at_drill(crashed, "sections-crash.jsonl")
    before = len(sections("crash", "q5-board"))
    assert before <= 2  # the drill kills the run before its 3rd section
    time.sleep(3.5)  # the deadline (3 s from a start before the crash) has now surely passed
    resumed = build("q5-board", "crash", PACK_DEADLINE_S="3", WAREHOUSE_LATENCY_S="0.4")
    assert resumed.returncode == 3, f"expected the resumed build to be stopped by its original deadline, got {resumed.returncode}"
    after = len(sections("crash", "q5-board"))
    # at most one scan in flight per region; a fresh 3 s budget at 0.4 s a scan would write ~28
    assert after - before <= REGIONS, f"{after - before} sections written after the restart: it got a fresh deadline"


def test_cancel_from_another_terminal_stops_every_region():
    log = "build-cancel.log"
    proc = start_program("packs.py", "build", "q6-board", env=env_for("cancel", PACK_DEADLINE_S="120",
                                                                        WAREHOUSE_LATENCY_S="0.6"), log=log)
    try:
        wait_until(lambda: len(sections("cancel", "q6-board")) >= REGIONS or proc.poll() is not None, timeout=40,
                   message="the build to write its first sections")
        assert proc.poll() is None, (WORKSPACE / log).read_text()[-2000:]
        cancel = run_program("packs.py", "cancel", "q6-board", env=env_for("cancel", DBOS__VMID="ops-cancel"), timeout=60)
        assert cancel.returncode == 0, cancel.stderr[-2000:]
        at_cancel = len(sections("cancel", "q6-board"))
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail("the build was still running 20 s after it was cancelled")
    finally:
        if proc.poll() is None:
            proc.kill()
    out = (WORKSPACE / log).read_text(errors="replace")
    assert proc.returncode == 3, f"expected exit code 3 for a cancelled build, got {proc.returncode}:\n{out[-2000:]}"
    assert summary_of(out) == {"pack_id": "q6-board", "status": "stopped"}
    stopped = len(sections("cancel", "q6-board"))
    assert stopped - at_cancel <= REGIONS, f"{stopped - at_cancel} sections written after the cancel: regions kept running"
    # the next build runs long enough (10 scans per region at 0.25 s) for a start to pick up anything of q6 left
    # pending: at 0.02 s it could finish and exit before recovered regions wrote a section
    nxt = build("q7-board", "cancel", PACK_DEADLINE_S="60", WAREHOUSE_LATENCY_S="0.25")
    assert nxt.returncode == 0, nxt.stderr[-2000:]
    assert len(sections("cancel", "q6-board")) == stopped, "a region of the cancelled build ran again"
