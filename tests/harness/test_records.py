"""The typed records of a trial's journey: what the steps return and what trials.jsonl holds, and their JSON."""

from __future__ import annotations

import json

import pytest

from graders.verdict import Check, Part, Reason, Status, TestOutcome, combine
from harness.jobs import CacheSpec, TrialJob
from harness.records import RECORD_FORMAT, GenerationOutcome, Graded, TrialRecord
from harness.trials import Trial

TRIAL = Trial("orders", "queues", "reference", "inline", "skill", "abc123", 2, "th1")
JOB = TrialJob("r1", "run-r1", "r1:key", TRIAL, CacheSpec("/cache"))


def verdict():
    return combine((
        Check("rules", True, violations=({"rule": "DBOS001", "severity": "high", "line": 3},)),
        Check("hidden_tests", False, reason=Reason.TESTS_FAILED, detail="1/2 passed", duration_s=2.0,
              tests=TestOutcome(1, 2, ("test_a",), ("test_a", "test_b"), 1.25), log="hidden_tests.log"),
        Check("durability", True, parts=(Part("no_repeat", True, "ok"),)),
    ), 3.5)


def test_a_record_reads_the_checks_from_the_typed_verdict_and_keeps_the_file_format():
    generation = GenerationOutcome({"calls": 2, "cost_usd": 0.1}, ("SKILL.md",), (("SKILL.md", 1),), files=("a.py",),
                                   duration_s=1.5)
    record = TrialRecord.build(JOB, generation, Graded.of(verdict()), 1).to_json()
    assert record["status"] == "ok" and record["passed"] is False and record["reason"] == "tests_failed"
    assert record["tests"] == {"passed": 1, "total": 2, "failing": ["test_a"], "pytest_s": 1.25}
    assert record["durability"] == {"passed": True, "parts": [{"name": "no_repeat", "passed": True, "detail": "ok"}]}
    assert [v["rule"] for v in record["violations"]] == ["DBOS001"]
    assert record["checks"][1] == {"name": "hidden_tests", "passed": False, "status": "ok", "reason": "tests_failed",
                                   "detail": "1/2 passed", "duration_s": 2.0, "log": "hidden_tests.log"}
    assert record["skill"] == {"label": "skill", "hash": "abc123"} and record["workflow_id"] == "r1:key"
    assert record["duration_s"] == 5.0 and record["skill_reads"] == [{"path": "SKILL.md", "turn": 1}]
    line = json.loads(json.dumps(record))  # what trials.jsonl holds
    assert TrialRecord.from_json(line).to_json() == line


def test_step_outputs_survive_their_json_form():
    outcome = GenerationOutcome(error="boom", error_kind="infra_error", workspace={"a.py": "x"}, shipped={"t": "y"})
    assert GenerationOutcome.from_json(json.loads(json.dumps(outcome.to_json()))) == outcome
    graded = Graded.of(verdict())
    assert Graded.from_json(json.loads(json.dumps(graded.to_json()))).to_json() == graded.to_json()


def test_a_failed_generation_is_never_graded_and_keeps_its_kind():
    failed = Graded.generation_failed(GenerationOutcome(error="no code", error_kind="model_error"))
    assert failed.status == Status.MODEL_ERROR and failed.passed is None and failed.reason == "model_output_invalid"
    infra = TrialRecord.build(JOB, None, Graded.harness_failed("workflow", "bug"), 0).to_json()
    assert infra["status"] == "infra_error" and infra["detail"] == "workflow: bug" and infra["tests"] is None


def test_run_dir_reads_appends_without_reparsing_and_sees_another_writer(tmp_path):
    from harness.results import RunDir

    run = RunDir(tmp_path, "r1")
    first = TrialRecord.build(JOB, None, Graded.harness_failed("test", "x"), 0)
    assert run.append_record(first) and not run.append_record(first)  # once, even when a step re-runs
    assert run.records() == [first]
    other = {**first.to_json(), "trial_id": "other", "key": "k2"}
    with run.trials_path.open("a") as out:  # another process appends: the file changed, so it is read again
        out.write(json.dumps(other) + "\n")
    assert [r.trial_id for r in RunDir(tmp_path, "r1").records()] == [TRIAL.trial_id, "other"]
    assert [r.trial_id for r in run.records()] == [TRIAL.trial_id, "other"]


def test_an_append_is_added_to_the_parsed_records_without_reading_the_file_again(tmp_path, monkeypatch):
    from pathlib import Path

    from harness.results import RunDir

    run = RunDir(tmp_path, "r1")
    first = TrialRecord.build(JOB, None, Graded.harness_failed("test", "x"), 0)
    run.append_record(first)
    assert run.records() == [first]  # parsed once
    reads = []
    real = Path.read_text
    monkeypatch.setattr(Path, "read_text", lambda self, *a, **k: reads.append(self) or real(self, *a, **k))
    second = TrialRecord.build(TrialJob("r1", "run-r1", "r1:k2", Trial("other", "queues", "reference", "none", None,
                                                                       None, 1, "th1"), CacheSpec("/c")),
                               None, Graded.harness_failed("test", "y"), 0)
    assert run.append_record(second) and [r.trial_id for r in run.records()] == [TRIAL.trial_id, second.trial_id]
    assert run.trials_path not in reads


def test_one_parser_reads_old_rows_and_names_what_is_wrong_with_a_bad_one():
    old = {"trial_id": "a", "key": "k", "task_id": "t", "model": "m", "arm": "none", "status": "ok", "passed": True}
    record = TrialRecord.from_json(old)  # a row written before rows had a format: its defaults fill in
    assert record.passed and record.epoch == 1 and record.violations == () and record.skill_label is None
    assert TrialRecord.from_json(record.to_json()) == record and record.to_json()["format"] == RECORD_FORMAT
    for row, message in (({**old, "format": RECORD_FORMAT + 1}, "format 2 is not one this harness reads"),
                         ({k: v for k, v in old.items() if k != "arm"}, "without 'arm'"),
                         ({**old, "epoch": "two"}, "malformed trial record"), ([1, 2], "JSON list, not an object")):
        with pytest.raises(ValueError, match=message):
            TrialRecord.from_json(row)


def test_one_reader_of_a_file_tree_for_solutions_and_the_workspace_that_travels(tmp_path):
    from harness.models import read_tree
    from harness.transport import pack, unpack

    files = tmp_path / "files"
    (files / "__pycache__").mkdir(parents=True)
    (files / "__pycache__" / "app.cpython-311.pyc").write_bytes(b"\x00\xff")
    (files / "pkg").mkdir()
    (files / "pkg" / "app.py").write_text("x = 1\n")
    (files / "mutant.toml").write_text("description = 'declares a solution, is not part of it'\n")
    (files / "blob.txt").write_bytes(b"caf\xe9\n")
    with pytest.raises(UnicodeDecodeError):  # a solution folder (grade DIR) with a non-UTF-8 file is refused
        read_tree(files)
    workspace = read_tree(files, errors="replace")  # a generated workspace is never refused
    assert workspace == {"blob.txt": "caf\ufffd\n", "pkg/app.py": "x = 1\n"}
    unpack(tmp_path / "elsewhere" / "files", workspace)
    assert read_tree(tmp_path / "elsewhere" / "files") == workspace
    assert read_tree(tmp_path / "missing") == {}
    assert pack(tmp_path / "elsewhere", ["files"]) == {f"files/{k}": v for k, v in workspace.items()}
