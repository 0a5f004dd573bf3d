"""How long a task's correct solutions take, and the deadlines that follow from it.

``validate`` records, per task, the seconds each hidden test took in the slowest passing run of the reference
and the alternatives (``tasks/<id>/timing.toml``). Hidden tests then wait with deadlines derived from those
times instead of the fixed long timeouts a task states: a failing solution stops waiting soon after a correct
one would have finished. Every derived deadline has a generous floor and multiplier and is stretched by the
machine's load when it is used, and never exceeds what the task itself states, so a correct solution on a
loaded machine is not cut short. A test without a recorded time keeps the task's own timeouts.
"""

from __future__ import annotations

import json
import os
import tomllib
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path

TIMING_FILE = "timing.toml"
TEST_FLOOR_S, TEST_MULTIPLIER = 30.0, 5.0  # a whole hidden test (pytest-timeout)
WAIT_FLOOR_S, WAIT_MULTIPLIER = 10.0, 3.0  # one wait of the evalkit helpers inside a test
MAX_LOAD_FACTOR = 3.0
HEADER = """# Written by `python run_eval.py validate`: seconds each hidden test took in the slowest passing run of
# the reference and the alternatives. Hidden tests wait at most max({test_floor:.0f} s, {test_mult:.0f}x) per test and
# max({wait_floor:.0f} s, {wait_mult:.0f}x) per wait (times the machine's load), never longer than task.toml says.
"""


def load_factor() -> float:
    """How much slower than an idle machine this one may run now (1 to ``MAX_LOAD_FACTOR``)."""
    try:
        load = os.getloadavg()[0] / (os.cpu_count() or 1)
    except OSError:
        return MAX_LOAD_FACTOR
    return min(MAX_LOAD_FACTOR, max(1.0, load))


def per_test_deadline(reference_s: float, stated_s: float, load: float = 1.0) -> float:
    """The pytest-timeout of one hidden test the reference ran in ``reference_s``."""
    return min(stated_s, max(TEST_FLOOR_S, TEST_MULTIPLIER * reference_s) * load)


def wait_deadline(reference_s: float, stated_s: float, load: float = 1.0) -> float:
    """The longest one helper wait (``wait_until``, ``run_program``) may take in a test the reference ran in
    ``reference_s``, when the test asked for ``stated_s``."""
    return min(stated_s, max(WAIT_FLOOR_S, WAIT_MULTIPLIER * reference_s) * load)


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
