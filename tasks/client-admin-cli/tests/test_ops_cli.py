"""`ops.py` lists, cancels and resumes the export worker's workflows from outside the worker."""

import json
import os
import signal
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout

from conftest import repeats, request_export, status_of, wait_for_status, written
from dbos_evalkit import run_program, wait_until

COPY_S = 0.2  # sink.PARTITION_COPY_S


def ops(*args: str):
    done = run_program("ops.py", *args, timeout=30)
    assert done.returncode == 0, f"ops.py {' '.join(args)} failed:\n{done.stderr[-2000:]}"
    return done


def listings(*queries: tuple[str, ...]) -> list[dict[str, str]]:
    """Run several `ops.py list ...` at once; for each, workflow id -> status as printed."""
    with ThreadPoolExecutor(len(queries)) as pool:
        runs = list(pool.map(lambda args: ops("list", *args), queries))
    return [{row["workflow_id"]: row["status"]
             for row in (json.loads(line) for line in run.stdout.splitlines() if line.strip().startswith("{"))}
            for run in runs]


def test_list_shows_exports_with_their_status(worker, client):
    good = request_export(client, "q3-web", "web_events_q3")
    bad = request_export(client, "typo-2023", "orders_2023")  # no such dataset: the export fails
    wait_for_status(good, "SUCCESS")
    wait_for_status(bad, "ERROR")

    everything, failed = listings((), ("--status", "ERROR"))
    assert everything.get(good) == "SUCCESS" and everything.get(bad) == "ERROR", everything
    assert bad in failed and good not in failed, failed


def test_cancel_stops_an_export_and_resume_finishes_it_without_redoing_partitions(worker, client):
    big = request_export(client, "all-orders", "orders")  # 16 partitions
    wait_until(lambda: written("all-orders"), timeout=20, message="the export to get going")

    # The whole export copies in ~3 s; on a loaded machine ops.py can take longer than that just to start.
    # The worker is frozen while ops.py cancels, so the cancel lands mid-export however slow the machine is
    # (to the worker this is only a slow partition). Should the frozen worker hold a lock the cancel needs,
    # it is thawed after a while and the cancel goes through then.
    os.killpg(worker.pid, signal.SIGSTOP)
    with ThreadPoolExecutor(1) as pool:
        cancel = pool.submit(ops, "cancel", big)
        try:
            cancel.result(timeout=15)
        except FutureTimeout:
            pass
        finally:
            os.killpg(worker.pid, signal.SIGCONT)
        cancel.result()
    assert wait_for_status(big, "CANCELLED", timeout=30) == "CANCELLED"
    at_cancel = len(written("all-orders"))
    deadline = time.monotonic() + 2 * COPY_S  # a partition already being copied may still land
    while time.monotonic() < deadline:
        time.sleep(0.05)
    stopped_at = len(written("all-orders"))
    assert stopped_at <= at_cancel + 1, "the export kept copying partitions after it was cancelled"
    assert stopped_at < 16, "the export was not stopped"
    assert status_of(big) == "CANCELLED"

    ops("resume", big)
    wait_for_status(big, "SUCCESS", timeout=30)
    keys = written("all-orders")
    months = [f"2023-{m:02d}" for m in range(9, 13)] + [f"2024-{m:02d}" for m in range(1, 13)]
    expected = {f"exports/all-orders/orders/{month}.parquet" for month in months}
    assert expected | {"exports/all-orders/_manifest.json"} == set(keys)
    assert repeats("all-orders") <= 1, f"resuming redid partitions that were already copied: {keys}"


def test_worker_still_takes_new_exports_after_ops_commands(worker, client):
    """Runs after the tests above have used ops.py: the worker must not have been disturbed by it."""
    late = request_export(client, "customers-late", "customers")
    wait_for_status(late, "SUCCESS", "ERROR", timeout=20)
    assert status_of(late) == "SUCCESS"
    assert len(written("customers-late")) == 4
