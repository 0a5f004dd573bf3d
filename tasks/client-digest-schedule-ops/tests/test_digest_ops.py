"""The ops tool drives the running worker's schedules: list, pause/resume, send-now and backfill, and the
worker (never the tool) mails each due digest at most once."""

import json
import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from dbos_evalkit import WORKSPACE, read_jsonl, run_program, start_program, wait_until

LOG = "digests-ops.jsonl"
# The partner digest ticks every second here so pause and resume can be seen; the daily one keeps its
# production cron (08:00 UTC), which never fires during the tests.
WORKER_ENV = {"DIGEST_LOG": LOG, "PARTNER_DIGEST_CRON": "* * * * * *", "DBOS__VMID": "digest-worker"}


@pytest.fixture(scope="module")
def worker():
    proc = start_program("digest_worker.py", env=WORKER_ENV, log="worker.log")

    def ready() -> bool:
        assert proc.poll() is None, (WORKSPACE / "worker.log").read_text(errors="replace")[-3000:]
        return "digest worker ready" in (WORKSPACE / "worker.log").read_text(errors="replace")

    wait_until(ready, timeout=90, interval=0.3, message="the digest worker to start")
    yield proc
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)


def ops(*args: str, timeout: float = 90) -> subprocess.CompletedProcess:
    try:
        return run_program("digest_ops.py", *args, env={"DIGEST_LOG": LOG}, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"`digest_ops.py {' '.join(args)}` was still running after {timeout:.0f}s")


def ok(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}:\n{done.stdout[-1500:]}\n{done.stderr[-3000:]}"
    return done.stdout


def schedules() -> dict[str, tuple[str, str]]:
    rows = [json.loads(line) for line in ok(ops("list")).splitlines() if line.strip().startswith("{")]
    return {row["name"]: (row["cron"], row["status"]) for row in rows}


def digests(list_name: str) -> list[dict]:
    return [d for d in read_jsonl(LOG) if d["list"] == list_name]


def due(digest: dict) -> datetime:
    moment = datetime.fromisoformat(digest["for"])
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def assert_mailed_by_worker(worker) -> None:
    senders = {d["pid"] for d in read_jsonl(LOG)}
    assert senders <= {worker.pid}, f"digests mailed by processes other than the worker: {senders - {worker.pid}}"


def test_list_shows_the_worker_schedules(worker):
    found = schedules()
    assert found.get("daily-digest") == ("0 8 * * *", "active"), found
    assert found.get("partner-digest") == ("* * * * * *", "active"), found


def test_an_unknown_schedule_exits_2(worker):
    done = ops("pause", "no-such-digest")
    assert done.returncode == 2, f"exit {done.returncode}: {done.stderr[-1500:]}"


def test_send_now_has_the_worker_mail_the_digest_once(worker):
    before = len(digests("customers"))
    ok(ops("send-now", "daily-digest"))
    wait_until(lambda: len(digests("customers")) > before, timeout=30, message="the daily digest to be mailed")
    assert len(digests("customers")) == before + 1, "send-now mailed the digest more than once"
    assert_mailed_by_worker(worker)


def test_backfill_mails_each_missed_digest_once_across_overlapping_runs(worker):
    def at_eight(day: int) -> datetime:
        return datetime(2024, 11, day, 8, tzinfo=UTC)

    def backfilled() -> list[datetime]:
        return sorted(due(d) for d in digests("customers") if due(d).year == 2024)

    ok(ops("backfill", "daily-digest", "2024-11-01T00:00:00Z", "2024-11-04T00:00:00Z"))
    wanted = [at_eight(1), at_eight(2), at_eight(3)]
    wait_until(lambda: backfilled() == wanted, timeout=30, message=f"digests due {wanted}")
    ok(ops("backfill", "daily-digest", "2024-11-02T00:00:00Z", "2024-11-05T00:00:00Z"))
    wanted.append(at_eight(4))
    wait_until(lambda: len(backfilled()) >= 4, timeout=30, message="the 4th backfilled digest")
    assert backfilled() == wanted, f"the overlapping backfill mailed {backfilled()}, wanted each of {wanted} once"
    assert not [d for d in digests("partners") if due(d).year == 2024], "backfilling one schedule mailed another"
    assert_mailed_by_worker(worker)


def test_backfill_over_times_the_worker_already_mailed_sends_nothing_again(worker):
    def partner_ticks() -> list[datetime]:
        return [due(d) for d in digests("partners") if due(d).year > 2024]

    wait_until(lambda: len(partner_ticks()) >= 3, timeout=30, message="the worker's own partner digests")
    mailed = sorted(set(partner_ticks()))
    start, end = mailed[0] - timedelta(milliseconds=500), mailed[-1] + timedelta(milliseconds=500)
    ok(ops("backfill", "partner-digest", start.isoformat(), end.isoformat()))
    ticks = [t for t in partner_ticks() if start < t < end]
    assert len(ticks) == len(set(ticks)), f"digests mailed twice: {sorted(t for t in ticks if ticks.count(t) > 1)}"
    assert_mailed_by_worker(worker)


def test_pause_stops_a_digest_until_resume(worker):
    def latest_partner() -> datetime | None:
        ticks = [due(d) for d in digests("partners") if due(d).year > 2024]
        return max(ticks) if ticks else None

    wait_until(latest_partner, timeout=30, message="the partner digest to tick")
    ok(ops("pause", "partner-digest"))
    paused_at = datetime.now(UTC)
    assert schedules().get("partner-digest", (None, None))[1] == "paused"
    assert schedules().get("daily-digest", (None, None))[1] == "active", "pausing one schedule paused another"
    # "within a few seconds": nothing due more than 4 s after the pause may go out while it is paused.
    quiet_until = time.monotonic() + 8
    while time.monotonic() < quiet_until:
        latest = latest_partner()
        assert latest is None or latest <= paused_at + timedelta(seconds=4), f"mailed one due {latest} while paused"
        time.sleep(0.5)
    ok(ops("resume", "partner-digest"))
    resumed_at = datetime.now(UTC)
    wait_until(lambda: (latest_partner() or paused_at) > resumed_at, timeout=30,
               message="the partner digest to tick again after resume")
    assert schedules().get("partner-digest", (None, None))[1] == "active"
    assert_mailed_by_worker(worker)
