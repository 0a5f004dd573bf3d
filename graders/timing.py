"""How long a task's correct solutions take, and the deadlines that follow from it.

``validate`` records, per task, the seconds each hidden test took in the slowest passing run of the reference
and the alternatives (``tasks/<id>/timing.toml``). Hidden tests then wait with deadlines derived from those
times instead of the fixed long timeouts a task states: a failing solution stops waiting soon after a correct
one would have finished. Every derived deadline has a generous floor and multiplier, is stretched by how much
slower than on an idle machine the test process itself runs (its threads' time waiting for a CPU against
their time on one, from ``/proc/self/task/*/schedstat``: measured where it matters, not guessed from the load
average), and never exceeds what the task or the test states, so a correct solution on a loaded machine is
not cut short. A test without a recorded time keeps the task's own timeouts. The grader writes the unscaled
deadlines to ``.hidden_tests/deadlines.json``; the runner (``graders/pytest_events.py``) and ``dbos_evalkit``
scale them inside the sandbox (the same few lines in each: they run there with the standard library only).
"""

from __future__ import annotations

import json
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path

TIMING_FILE = "timing.toml"
TEST_FLOOR_S, TEST_MULTIPLIER = 30.0, 5.0  # a whole hidden test (pytest-timeout)
WAIT_FLOOR_S, WAIT_MULTIPLIER = 10.0, 3.0  # one wait of the evalkit helpers inside a test
HEADER = """# Written by `python run_eval.py validate`: seconds each hidden test took in the slowest passing run of
# the reference and the alternatives. Hidden tests wait at most max({test_floor:.0f} s, {test_mult:.0f}x) per test
# and max({wait_floor:.0f} s, {wait_mult:.0f}x) per wait (times the test process's slowdown), never longer than
# the task says.
"""


def base_deadlines(reference_s: float) -> tuple[float, float]:
    """(whole test, one helper wait) for a test a correct solution ran in ``reference_s``, before any
    stretching for load."""
    return max(TEST_FLOOR_S, TEST_MULTIPLIER * reference_s), max(WAIT_FLOOR_S, WAIT_MULTIPLIER * reference_s)


def read_reference_times(task_dir: Path) -> dict[str, float]:
    """``{test name: seconds}`` from ``task_dir/timing.toml`` (empty when there is none or it is unreadable:
    the task's own timeouts then apply)."""
    try:
        data = tomllib.loads((Path(task_dir) / TIMING_FILE).read_text())
    except (OSError, tomllib.TOMLDecodeError):
        return {}
    tests = data.get("tests")
    if not isinstance(tests, dict):
        return {}
    return {str(k): float(v) for k, v in tests.items() if isinstance(v, int | float) and v >= 0}


def write_reference_times(task_dir: Path, times: Mapping[str, float]) -> Path:
    file = Path(task_dir) / TIMING_FILE
    lines = [HEADER.format(test_floor=TEST_FLOOR_S, test_mult=TEST_MULTIPLIER, wait_floor=WAIT_FLOOR_S,
                           wait_mult=WAIT_MULTIPLIER), "[tests]"]
    lines += [f"{json.dumps(name)} = {seconds:.2f}" for name, seconds in sorted(times.items())]
    file.write_text("\n".join(lines) + "\n")
    return file


def junit_times(data: bytes) -> dict[str, float]:
    """Seconds per test (setup, call and teardown) in a pytest JUnit report, named as the grader names tests."""
    times = {}
    for case in ET.fromstring(data).iter("testcase"):
        cls, name = case.get("classname", ""), case.get("name", "")
        times[f"{cls.rsplit('.', 1)[-1]}::{name}" if cls else name] = float(case.get("time", 0) or 0)
    return times


def slowest(runs: Iterable[Mapping[str, float]], before: Mapping[str, float] | None = None) -> dict[str, float]:
    """Per test, the slowest of ``runs`` and of what was recorded ``before`` (deadlines only ever loosen)."""
    merged = dict(before or {})
    for run in runs:
        for name, seconds in run.items():
            merged[name] = max(seconds, merged.get(name, 0.0))
    return merged
