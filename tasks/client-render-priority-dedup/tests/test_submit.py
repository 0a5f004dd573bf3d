"""`submit.py` hands renders to the farm's `renders` queue: urgent first, re-saves collapsed while in flight."""

import os
import signal

import pytest
from dbos_evalkit import import_fresh, read_jsonl, start_program, wait_until


@pytest.fixture
def submit_module():
    return import_fresh("submit")


@pytest.fixture
def farm():
    """Starts the render farm's worker on demand (the farm may be down while jobs are submitted)."""
    procs = []

    def start():
        procs.append(start_program("render_worker.py", log="render_worker.log", executor=f"gpu-{len(procs)}"))

    yield start
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def encoded(prefix: str) -> list[str]:
    return [r["video_id"] for r in read_jsonl("encodes.jsonl") if r["video_id"].startswith(prefix)]


def test_urgent_renders_overtake_the_backlog(submit_module, farm):
    normal = [submit_module.submit(f"p-normal-{i}", "sources/council-meeting-0612.mov") for i in range(4)]
    urgent = [submit_module.submit(f"p-urgent-{i}", "sources/storm-warning.mov", urgent=True) for i in range(2)]
    assert len(set(normal + urgent)) == 6, "six different videos must be six jobs"
    farm()
    results = [submit_module.wait(job, timeout_s=60) for job in urgent + normal]
    assert [r["video_id"] for r in results] == [f"p-urgent-{i}" for i in range(2)] + [f"p-normal-{i}" for i in range(4)]
    assert all(r["url"].startswith("https://cdn.example.com/") for r in results)
    order = encoded("p-")
    assert sorted(order[:2]) == ["p-urgent-0", "p-urgent-1"], f"urgent jobs waited behind the backlog: {order}"
    assert order == ["p-urgent-0", "p-urgent-1", "p-normal-0", "p-normal-1", "p-normal-2", "p-normal-3"], order


def test_resaves_join_the_render_in_flight_and_a_later_save_renders_again(submit_module, farm):
    first = submit_module.submit("d-harbor", "sources/harbor-cleanup.mov")
    again = submit_module.submit("d-harbor", "sources/harbor-cleanup.mov")
    urgent_again = submit_module.submit("d-harbor", "sources/harbor-cleanup.mov", urgent=True)
    other = submit_module.submit("d-marathon", "sources/marathon-recap.mov")
    assert again == first and urgent_again == first, "a re-save while the render waits must return its job"
    assert other != first
    farm()
    assert submit_module.wait(first, timeout_s=60)["video_id"] == "d-harbor"
    assert submit_module.wait(other, timeout_s=60)["video_id"] == "d-marathon"
    assert sorted(encoded("d-")) == ["d-harbor", "d-marathon"], "a re-save caused a second render"

    later = submit_module.submit("d-harbor", "sources/harbor-cleanup.mov")
    assert submit_module.wait(later, timeout_s=60)["video_id"] == "d-harbor"
    wait_until(lambda: len(read_jsonl("publishes.jsonl")) >= 3, timeout=10, message="the re-render's publish")
    assert sorted(encoded("d-")) == ["d-harbor", "d-harbor", "d-marathon"], (
        "saving a video again after its render finished must render it again")
