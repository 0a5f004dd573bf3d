"""validate records each hidden test's slowest passing time of a task's correct solutions in timing.toml, only
when all of them passed, merged with what was recorded before; the task loads it into its grading spec and
its hash ignores it."""

from __future__ import annotations

import random
import shutil

from harness.records import TrialRecord
from harness.results import RunDir
from harness.tasks import load_task
from harness.trials import task_hash
from harness.validate import record_reference_times
from tests.conftest import FIXTURE_TASKS
from tests.fixtures.synthetic import make_record

JUNIT = """<testsuites><testsuite name="pytest">
<testcase classname="test_greet" name="test_greets" time="{greets}"/>
<testcase classname="test_greet" name="test_recovers" time="{recovers}"/>
</testsuite></testsuites>"""


def record(run_dir: RunDir, trial_id: str, passed: bool, greets: float, recovers: float) -> TrialRecord:
    logs = run_dir.trial_dir(trial_id) / "logs"
    logs.mkdir(parents=True)
    (logs / "junit.xml").write_text(JUNIT.format(greets=greets, recovers=recovers))
    row = make_record("greet-workflow", "workflow", "reference", "none", None, 1, passed, rng=random.Random(1))
    row.update({"trial_id": trial_id, "status": "ok", "passed": passed, "detail": "", "violations": []})
    return TrialRecord.from_json(row)


def test_validate_keeps_the_slowest_passing_time_per_test(tmp_path):
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", tmp_path / "greet-workflow")
    task = load_task(tmp_path / "greet-workflow")
    before = task_hash(task)
    run_dir = RunDir(tmp_path / "results", "v1")
    alternative = task.alternatives[0].name
    records = {(task.id, "reference", 1): record(run_dir, "r1", True, 1.5, 4.0),
               (task.id, "reference", 2): record(run_dir, "r2", True, 2.5, 3.0),
               (task.id, f"alternative:{alternative}", 1): record(run_dir, "a1", True, 0.5, 6.0),
               (task.id, f"alternative:{alternative}", 2): record(run_dir, "a2", True, 0.5, 1.0)}
    assert record_reference_times([task], records, run_dir, repeats=2, alternatives="first") == [task.id]
    reloaded = load_task(tmp_path / "greet-workflow")
    assert dict(reloaded.grading.reference_times) == {"test_greet::test_greets": 2.5,
                                                       "test_greet::test_recovers": 6.0}
    assert task_hash(reloaded) == before  # measured times are not the task's content

    records[(task.id, "reference", 2)] = record(run_dir, "r3", False, 90.0, 90.0)  # a failed repeat
    assert record_reference_times([task], records, run_dir, repeats=2, alternatives="first") == []
    assert dict(load_task(tmp_path / "greet-workflow").grading.reference_times)["test_greet::test_greets"] == 2.5
