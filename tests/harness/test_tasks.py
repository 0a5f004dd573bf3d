import shutil
from pathlib import Path

import pytest

from harness.errors import UserError
from harness.tasks import check_tasks, load_task, load_tasks
from tests.conftest import FIXTURE_TASKS, REPO


@pytest.fixture()
def task_copy(tmp_path: Path) -> Path:
    root = tmp_path / "tasks"
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", root / "greet-workflow")
    return root / "greet-workflow"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_the_repository_benchmark_is_valid():
    assert check_tasks(REPO / "tasks") == []


def test_a_valid_task_loads_into_a_frozen_task(task_copy):
    task = load_task(task_copy)
    assert task.id == "greet-workflow"
    assert task.grading.checks == ("rules", "hidden_tests")
    assert [m.name for m in task.mutants] == ["wrong-result"]
    assert task.mutants[0].failing_tests == ("test_greet::test_greets_through_a_workflow",)
    with pytest.raises(AttributeError):
        task.id = "other"


@pytest.mark.parametrize("old,new,message", [
    ('category = "workflow"', 'category = "workflows"', "task.toml: category: 'workflows' is not one of"),
    ('id = "greet-workflow"', 'id = "greet"', "task.toml: id: 'greet' must equal the folder name"),
    ('checks = ["rules", "hidden_tests"]', 'checks = ["hidden_test"]', "grading.checks: unknown check 'hidden_test'"),
    ("test_timeout_s = 120", "test_timeout_s = -1", "grading.test_timeout_s: -1 must be a positive number"),
    ('title = "Tiny', 'titel = "Tiny', "task.toml: titel: unknown field"),
    ("rules = []", 'rules = ["no-such-rule"]', "rules: unknown rule id 'no-such-rule'"),
    ("[grading]", "[grading", "task.toml: not valid TOML"),
])
def test_a_bad_field_is_reported_with_file_and_field(task_copy, old, new, message):
    edit(task_copy / "task.toml", old, new)
    with pytest.raises(UserError) as err:
        load_task(task_copy)
    assert message in str(err.value)
    assert "greet-workflow/task.toml" in str(err.value)


def test_missing_hidden_tests_are_reported(task_copy):
    shutil.rmtree(task_copy / "tests")
    problems = check_tasks(task_copy.parent)
    assert any("greet-workflow/tests: missing or empty folder" in p for p in problems)


def test_a_mutant_declaring_nothing_is_rejected(task_copy):
    (task_copy / "mutants" / "wrong-result" / "mutant.toml").write_text('description = "x"\n')
    with pytest.raises(UserError, match="a mutant must declare a failing check or a rule id"):
        load_task(task_copy)


def test_durability_listed_without_a_crash_spec_is_rejected(task_copy):
    edit(task_copy / "task.toml", 'checks = ["rules", "hidden_tests"]', 'checks = ["hidden_tests", "durability"]')
    with pytest.raises(UserError, match=r"durability: missing"):
        load_task(task_copy)


def test_selection_by_glob_and_unknown_ids(task_copy):
    root = task_copy.parent
    assert [t.id for t in load_tasks(root, ["greet-*"])] == ["greet-workflow"]
    with pytest.raises(UserError, match="--tasks nope: no task matches"):
        load_tasks(root, ["nope"])


def test_alternatives_and_calibration_load_into_frozen_records(task_copy):
    task = load_task(task_copy)
    (alternative,) = task.alternatives
    assert alternative.name == "started-handle" and alternative.source.startswith("fixture")
    assert alternative.description.startswith("a step composes the greeting")
    assert [(a.solver, a.arm, a.passed, a.date) for a in task.calibration] == [
        ("fixture-solver-a", "none", True, "2026-12-01"), ("fixture-solver-b", "none", False, "2026-12-01"),
        ("fixture-solver-c", "inline", True, "2026-12-02")]
    assert task.calibration[1].failed_checks == ("hidden_tests",)
    assert task.calibration[1].violations == ("lifecycle-no-app-version",)
    assert (task.calibrated("none"), task.calibrated("inline")) == ((1, 2), (1, 1))


@pytest.mark.parametrize("old,new,message", [
    ('arm = "inline"', 'arm = "tool"', "calibration.toml: attempt[3].arm: 'tool' must be one of none, inline"),
    ('passed = true\nfailed_checks = []\nviolations = []\ndate = "2026-12-02"', 'passed = "yes"\ndate = "2026-12-02"',
     "attempt[3].passed: 'yes' must be true or false"),
    ('failed_checks = ["hidden_tests"]', 'failed_checks = ["durability"]',
     "attempt[2].failed_checks: 'durability' is not among the task's grading.checks"),
    ('violations = ["lifecycle-no-app-version"]', 'violations = ["no-such-rule"]',
     "attempt[2].violations: unknown rule id 'no-such-rule'"),
    ('date = "2026-12-02"', 'date = "yesterday"', "attempt[3].date: 'yesterday' must be a date (YYYY-MM-DD)"),
    ('solver = "fixture-solver-a"', 'solver = ""', "attempt[1].solver: '' must be a non-empty string"),
    ('solver = "fixture-solver-a"', 'solver = "fixture-solver-a"\nmodel = "x"', "attempt[1].model: unknown field"),
    ("[[attempt]]\nsolver = \"fixture-solver-c\"", "[[attempts]]\nsolver = \"fixture-solver-c\"",
     "calibration.toml: attempts: unknown field"),
    ('passed = false\nfailed_checks = ["hidden_tests"]', 'passed = true\nfailed_checks = ["hidden_tests"]',
     "attempt[2].failed_checks: a passed attempt cannot have failed hidden_tests or durability"),
])
def test_a_bad_calibration_attempt_is_one_line_naming_file_and_field(task_copy, old, new, message):
    edit(task_copy / "calibration.toml", old, new)
    with pytest.raises(UserError) as err:
        load_task(task_copy)
    assert message in str(err.value) and "greet-workflow/calibration.toml" in str(err.value)
    assert "\n" not in str(err.value)


def test_bad_alternatives_are_reported(task_copy):
    folder = task_copy / "alternatives"
    edit(folder / "started-handle" / "alternative.toml", "source =", "author =")
    (folder / "Bad_Name").mkdir()
    (folder / "Bad_Name" / "greet.py").write_text("")
    (folder / "empty").mkdir()
    (folder / "empty" / "alternative.toml").write_text('description = "nothing"\n')
    problems = check_tasks(task_copy.parent)
    assert any("started-handle/alternative.toml: author: unknown field" in p for p in problems)
    assert any("alternatives/Bad_Name: name must be lowercase words" in p for p in problems)
    assert any("alternatives/empty: no solution files" in p for p in problems)


def test_tasks_lists_alternatives_and_calibrated_pass_rates(task_copy, capsys):
    from harness.cli import main

    assert main(["tasks", "--tasks-dir", str(task_copy.parent)]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "greet-workflow" in line)
    assert [cell.strip() for cell in row.split("│")[5:9]] == ["1", "1", "1/2", "1/1"]
    assert "1 alternatives, 3 calibration attempts" in out
