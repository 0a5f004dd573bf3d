"""`submit.py` hands renders to the farm's `renders` queue: urgent first, re-saves collapsed while in flight,
embargoed videos not before their embargo, even when the CMS process is gone meanwhile."""

import os
import signal
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dbos_evalkit import import_fresh, read_jsonl, run_program, start_program, wait_until


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


CMS_ONCE = """import sys
from datetime import datetime

import submit

print(submit.submit(sys.argv[1], sys.argv[2], not_before=datetime.fromisoformat(sys.argv[3])))
"""


def test_an_embargoed_render_waits_for_its_embargo_even_after_the_cms_restarts(submit_module, farm):
    farm()
    warmup = submit_module.submit("e-warmup", "sources/marathon-recap.mov")
    assert submit_module.wait(warmup, timeout_s=60)["video_id"] == "e-warmup"  # the farm is up and idle

    # A CMS process submits the embargoed story and exits (restarted / redeployed) long before the embargo.
    Path("cms_once.py").write_text(CMS_ONCE)
    not_before = datetime.now(UTC) + timedelta(seconds=8)
    cms = run_program("cms_once.py", "e-embargoed", "sources/storm-warning.mov", not_before.isoformat(), timeout=60)
    assert cms.returncode == 0, cms.stderr[-2000:]
    job = cms.stdout.strip().splitlines()[-1]

    assert submit_module.wait(job, timeout_s=90)["video_id"] == "e-embargoed"
    encodes = [r for r in read_jsonl("encodes.jsonl") if r["video_id"] == "e-embargoed"]
    publishes = [r for r in read_jsonl("publishes.jsonl") if r["video_id"] == "e-embargoed"]
    assert len(encodes) == 1 and len(publishes) == 1, (encodes, publishes)
    assert encodes[0]["at"] >= not_before.timestamp(), (
        f"rendered {not_before.timestamp() - encodes[0]['at']:.1f} s before the embargo lifted")
