"""The escrow commands and worker: early deliveries are kept, status is readable after completion and while
the worker is down, and every order is paid out or refunded exactly once across a worker restart."""

import json
import os
import signal

import pytest
from dbos_evalkit import assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until


@pytest.fixture
def worker():
    procs = []

    def start(hold_period_s: str):
        proc = start_program("payouts.py", "worker", env={"HOLD_PERIOD_S": hold_period_s}, log="worker.log")
        procs.append(proc)
        return proc

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def command(*args: str) -> None:
    done = run_program("payouts.py", *args, timeout=30)
    assert done.returncode == 0, f"payouts.py {' '.join(args)} exited {done.returncode}:\n{done.stderr[-2000:]}"


def status(order_id: str) -> str:
    done = run_program("payouts.py", "status", order_id, timeout=30)
    assert done.returncode == 0, done.stderr[-2000:]
    reply = json.loads(done.stdout.strip().splitlines()[-1])
    assert reply["order_id"] == order_id
    return reply["status"]


def payouts(*orders: str) -> list[tuple]:
    return sorted((r["order_id"], r["seller"], r["amount_cents"]) for r in read_jsonl("seller_payouts.jsonl")
                  if r["order_id"] in orders)


def refunds(*orders: str) -> list[tuple]:
    return sorted((r["order_id"], r["amount_cents"]) for r in read_jsonl("buyer_refunds.jsonl")
                  if r["order_id"] in orders)


def test_a_delivery_confirmed_before_the_shipment_is_kept_and_status_outlives_the_escrow(worker):
    proc = worker("120")
    command("delivered", "o-early")
    command("delivered", "o-early")  # the carrier retries its webhook
    assert status("o-early") == "unknown"
    command("shipped", "o-early", "s-ana", "4500")
    command("shipped", "o-normal", "s-ben", "1200")
    wait_until(lambda: status("o-normal") == "waiting", timeout=30, message="o-normal to be on hold")
    command("delivered", "o-normal")
    wait_until(lambda: len(payouts("o-early", "o-normal")) >= 2, timeout=30, message="both sellers to be paid")
    assert payouts("o-early", "o-normal") == [("o-early", "s-ana", 4500), ("o-normal", "s-ben", 1200)]
    assert status("o-early") == "paid" and status("o-normal") == "paid"

    command("delivered", "o-normal")  # a late retry of the webhook after the payout
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    # the worker is down: support still sees the finished escrows
    assert status("o-early") == "paid" and status("o-normal") == "paid"
    assert status("o-nobody") == "unknown"
    assert payouts("o-early", "o-normal") == [("o-early", "s-ana", 4500), ("o-normal", "s-ben", 1200)], (
        "a seller was paid twice")
    assert refunds("o-early", "o-normal") == []


def test_orders_on_hold_survive_a_worker_restart_and_a_delivery_while_it_is_down(worker):
    first = worker("600")
    command("shipped", "o-down", "s-dan", "800")    # delivered while the worker is down
    command("shipped", "o-held", "s-eve", "2500")   # still on hold at the end
    wait_until(lambda: status("o-down") == "waiting" and status("o-held") == "waiting", timeout=30,
               message="both orders to be on hold")
    os.killpg(first.pid, signal.SIGKILL)  # the worker dies (deploy, OOM)
    first.wait()
    assert_crashed_at_drill(first)
    assert status("o-down") == "waiting"
    command("delivered", "o-down")

    worker("600")
    wait_until(lambda: payouts("o-down", "o-held"), timeout=45, message="the restarted worker to pay o-down")
    wait_until(lambda: status("o-down") == "paid", timeout=15, message="o-down's status to be paid")
    assert status("o-held") == "waiting"
    assert payouts("o-down", "o-held") == [("o-down", "s-dan", 800)]
    assert refunds("o-down", "o-held") == []


def test_an_order_never_delivered_is_refunded_once_when_the_hold_ends(worker):
    worker("3")
    command("shipped", "o-lost", "s-cai", "3000")
    wait_until(lambda: refunds("o-lost"), timeout=45, message="o-lost to be refunded when its hold ends")
    wait_until(lambda: status("o-lost") == "refunded", timeout=15, message="o-lost's status to be refunded")
    assert refunds("o-lost") == [("o-lost", 3000)]
    assert payouts("o-lost") == []
