"""The exporter publishes rows durably; `consume.py` loads each exactly once, in order, across restarts."""

import os
import signal

import pytest
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until

ORDERS = [{"id": f"orders-{n:04d}", "amount": (100 * n + 7) / 100} for n in range(20)]
SMALL = [{"id": f"small-{n:04d}", "amount": (100 * n + 7) / 100} for n in range(6)]


@pytest.fixture
def procs():
    started = []
    yield started
    for proc in started:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def loaded(export_id: str) -> list[dict]:
    return [{"id": r["id"], "amount": r["amount"]} for r in read_jsonl("sink.jsonl") if r["export_id"] == export_id]


def source_reads(table: str) -> int:
    return sum(1 for r in read_jsonl("source_reads.jsonl") if r["table"] == table)


def test_a_consumer_started_after_the_export_finished_gets_every_row(procs):
    done = run_program("exporter.py", "exp-small", "small", env={"ARCHIVE_S": "0"})
    assert done.returncode == 0, done.stderr[-3000:]
    consumed = run_program("consume.py", "exp-small", timeout=60)
    assert consumed.returncode == 0, consumed.stderr[-3000:]
    assert loaded("exp-small") == SMALL


def test_consumer_and_exporter_restarts_load_every_row_once_in_order_and_end_before_archiving(procs):
    # the exporter is killed while reading its 13th row
    exporter = start_program("exporter.py", "exp-7", "orders", env={"SOURCE_CRASH_ON_ROW": "13",
                                                                    "ARCHIVE_S": "120"}, log="exporter.log")
    procs.append(exporter)
    wait_until(lambda: source_reads("orders") >= 1, timeout=30, message="the exporter to start reading")
    consumer = start_program("consume.py", "exp-7", log="consumer.log")
    procs.append(consumer)
    wait_until(lambda: len(loaded("exp-7")) >= 3, timeout=30, message="the consumer to load its first rows")
    os.killpg(consumer.pid, signal.SIGKILL)  # the analytics box drops the connection
    consumer.wait()
    exporter.wait(timeout=30)
    assert_crashed_at_drill(exporter)
    assert loaded("exp-7") == ORDERS[:len(loaded("exp-7"))], "rows loaded out of order or twice"

    rerun = start_program("exporter.py", "exp-7", "orders", env={"ARCHIVE_S": "120"}, log="exporter.log")
    procs.append(rerun)
    consumer = start_program("consume.py", "exp-7", log="consumer.log")
    procs.append(consumer)
    wait_until(lambda: len(loaded("exp-7")) >= 14, timeout=45, message="rows published after the re-run to load")
    os.killpg(consumer.pid, signal.SIGKILL)  # dropped again, while the re-run is publishing
    consumer.wait()

    final = start_program("consume.py", "exp-7", log="consumer.log")
    procs.append(final)
    wait_until(lambda: final.poll() is not None, timeout=60,
               message="consume.py to exit once the last row is loaded (the exporter is still archiving)")
    assert final.returncode == 0, (final.returncode, open("consumer.log").read()[-3000:])
    assert loaded("exp-7") == ORDERS, "every row must be loaded exactly once, in table order"
    assert rerun.poll() is None, "the exporter should still be archiving"
