"""The first courier to answer is booked, at once and exactly once, and a re-run after a crash books that same
courier instead of shopping around again."""

import json
import os
import signal
import subprocess
import zlib

import pytest
from dbos_evalkit import WORKSPACE, assert_crashed_at_drill, read_jsonl, run_program, start_program, wait_until


def price(courier: str, shipment_id: str) -> int:
    return 900 + zlib.crc32(f"{courier}/{shipment_id}".encode()) % 600


def latencies(swift: float, parcelo: float, slowpost: float) -> dict[str, str]:
    return {"COURIER_LATENCY_SWIFT": str(swift), "COURIER_LATENCY_PARCELO": str(parcelo),
            "COURIER_LATENCY_SLOWPOST": str(slowpost)}


def env_for(tag: str) -> dict[str, str]:
    # One executor id per test: a start recovers only that test's dispatches.
    return {"QUOTE_LOG": f"quotes-{tag}.jsonl", "BOOKING_LOG": f"bookings-{tag}.jsonl", "DBOS__VMID": f"dock-{tag}"}


def bookings(tag: str, shipment_id: str) -> list[dict]:
    return [b for b in read_jsonl(f"bookings-{tag}.jsonl") if b["shipment_id"] == shipment_id]


def dispatch_line(tag: str, shipment_id: str, timeout: float = 60, **env: str) -> dict:
    """Run dispatch.py until it prints its JSON line (it may linger afterwards: the warehouse moves on)."""
    log = WORKSPACE / f"dispatch-{tag}-{shipment_id}.log"
    log.unlink(missing_ok=True)
    proc = start_program("dispatch.py", shipment_id, env={**env_for(tag), **env}, log=log.name)

    def printed() -> dict | None:
        for line in log.read_text(errors="replace").splitlines():
            if line.strip().startswith("{") and '"courier"' in line:
                return json.loads(line)
        if proc.poll() is not None:
            raise AssertionError(f"dispatch.py exited {proc.returncode} without its JSON line:\n"
                                 f"{log.read_text(errors='replace')[-3000:]}")
        return None

    try:
        return wait_until(printed, timeout=timeout, interval=0.2,
                          message=f"dispatch.py {shipment_id} to print its booking")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_books_the_first_courier_without_waiting_for_slowpost():
    # slowpost answers after 5 minutes: the booking must not wait for it.
    line = dispatch_line("first", "S-100", **latencies(swift=0.5, parcelo=3, slowpost=300))
    assert line == {"shipment_id": "S-100", "courier": "swift", "price": price("swift", "S-100")}
    assert [(b["courier"], b["price"]) for b in bookings("first", "S-100")] == [("swift", price("swift", "S-100"))]


def test_the_first_to_answer_wins_not_a_fixed_courier_and_a_rerun_books_nothing_again():
    line = dispatch_line("other", "S-200", **latencies(swift=4, parcelo=0.5, slowpost=300))
    assert line == {"shipment_id": "S-200", "courier": "parcelo", "price": price("parcelo", "S-200")}
    again = dispatch_line("other", "S-200", **latencies(swift=0.5, parcelo=4, slowpost=300))
    assert again == line, "the re-run of a booked shipment printed another booking"
    assert [b["courier"] for b in bookings("other", "S-200")] == ["parcelo"]


def test_a_rerun_after_a_crash_books_the_courier_that_answered_first():
    tag, shipment = "crash", "S-300"
    try:
        crashed = run_program("dispatch.py", shipment, timeout=120, env={
            **env_for(tag), **latencies(swift=0.5, parcelo=4, slowpost=300), "DISPATCH_CRASH_ON_BOOK": "1"})
    except subprocess.TimeoutExpired:
        pytest.fail("dispatch.py never reached the booking (it should book as soon as swift answered)")
    assert_crashed_at_drill(crashed, f"quotes-{tag}.jsonl")
    assert bookings(tag, shipment) == []
    # Now parcelo would be fastest: the re-run must still book swift, whose quote was the first answer.
    line = dispatch_line(tag, shipment, **latencies(swift=4, parcelo=0.5, slowpost=300))
    assert line == {"shipment_id": shipment, "courier": "swift", "price": price("swift", shipment)}
    assert [(b["courier"], b["price"]) for b in bookings(tag, shipment)] == [("swift", price("swift", shipment))]
