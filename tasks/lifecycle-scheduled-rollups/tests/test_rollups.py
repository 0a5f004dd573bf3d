"""The service's schedule, run with a 2-second cron: exactly once per tick, catch-up after downtime."""

import os
import signal
import time
from collections import Counter
from datetime import datetime

from dbos_evalkit import WORKSPACE, read_jsonl, start_program, unfinished_workflows, wait_until

TICK_S = 2
CRON = "*/2 * * * * *"  # every 2 seconds (leading seconds field)


def start(rollups: str, executor: str):
    return start_program("meter_service.py", env={"ROLLUP_CRON": CRON, "ROLLUPS_LOG": rollups},
                         log=f"{executor}.log", executor=executor)


def stop(proc) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def output(executor: str) -> str:
    log = WORKSPACE / f"{executor}.log"
    return log.read_text(errors="replace")[-3000:] if log.exists() else ""


def ticks(rollups: str) -> list[datetime]:
    return [datetime.fromisoformat(r["period_end"]) for r in read_jsonl(rollups)]


def gaps(ends: list[datetime]) -> list[str]:
    distinct = sorted(set(ends))
    return [f"{a.isoformat()} -> {b.isoformat()}" for a, b in zip(distinct, distinct[1:], strict=False)
            if (b - a).total_seconds() != TICK_S]


def assert_each_tick_once(ends: list[datetime]) -> None:
    twice = sorted(t.isoformat() for t, n in Counter(ends).items() if n > 1)
    assert not twice, f"ticks rolled up more than once: {twice}"
    off_grid = [t.isoformat() for t in ends if t.microsecond or t.second % TICK_S]
    assert not off_grid, f"rollups not labelled with their tick's time (every {TICK_S}s): {off_grid}"


def test_two_copies_roll_up_each_tick_once():
    rollups = "rollups-two-copies.jsonl"
    copies = [start(rollups, "copy-a"), start(rollups, "copy-b")]
    try:
        wait_until(lambda: len(set(ticks(rollups))) >= 4 or any(p.poll() is not None for p in copies),
                   timeout=40, message="four ticks rolled up")
        for proc, name in zip(copies, ("copy-a", "copy-b"), strict=True):
            assert proc.poll() is None, f"the service exited ({proc.returncode}):\n{output(name)}"
    finally:
        for proc in copies:
            stop(proc)
    ends = ticks(rollups)
    assert_each_tick_once(ends)
    assert not gaps(ends), f"ticks skipped while the service was running: {gaps(ends)}"


def test_catches_up_after_downtime():
    rollups = "rollups-downtime.jsonl"
    before = start(rollups, "meter-1")
    try:
        wait_until(lambda: len(ticks(rollups)) >= 2 or before.poll() is not None, timeout=40,
                   message="two ticks rolled up")
        assert before.poll() is None, f"the service exited ({before.returncode}):\n{output('meter-1')}"
        # kill between ticks, not inside one: a kill between a rollup's write and its checkpoint would redo it
        # (at-least-once, which no design avoids); best effort, a tick may start right after
        try:
            wait_until(lambda: not unfinished_workflows(), timeout=10, interval=0.02, message="a moment between ticks")
        except AssertionError:
            pass
    finally:
        stop(before)
    killed_at = time.time()
    wait_until(lambda: time.time() > killed_at + 3 * TICK_S, timeout=10, message="three ticks of downtime")
    restarted_at = time.time()
    after = start(rollups, "meter-1")
    try:
        wait_until(lambda: any(t.timestamp() > restarted_at + TICK_S for t in ticks(rollups))
                   or after.poll() is not None, timeout=40, message="a tick after the restart")
        assert after.poll() is None, f"the restarted service exited ({after.returncode}):\n{output('meter-1')}"
        try:  # the catch-up may still be finishing when the first live tick lands
            wait_until(lambda: not gaps(ticks(rollups)), timeout=10, message="the missed ticks")
        except AssertionError:
            pass
    finally:
        stop(after)
    ends = ticks(rollups)
    assert_each_tick_once(ends)
    missed = [t for t in set(ends) if killed_at < t.timestamp() < restarted_at]
    assert not gaps(ends), (f"ticks missing after {3 * TICK_S}s of downtime (missed while down and never "
                            f"caught up): {gaps(ends)}")
    assert len(missed) >= 2, "the ticks of the downtime were never rolled up"
