"""The public interface: reports, paths, errors, the rule table and the detector table."""

import re
from pathlib import Path

import pytest

from graders.rules import (
    DETECTORS,
    RULES,
    SEVERITY_WEIGHTS,
    CheckReport,
    Violation,
    check_paths,
    check_workspace,
    format_text,
)

README = Path(__file__).parents[2] / "graders" / "rules" / "README.md"
RANDOM_WORKFLOW = (
    "import random\nfrom dbos import DBOS\n\n@DBOS.workflow()\ndef wf():\n    return random.random()\n"
)


def test_every_rule_has_exactly_one_detector():
    ids = [rule for rule, _ in DETECTORS]
    assert sorted(ids) == sorted(RULES) and len(ids) == len(set(ids))


def test_rule_table_matches_readme_table():
    rows = re.findall(r"^\| `([a-z0-9-]+)` \| (\w+) \| (\w+) \|", README.read_text(), re.MULTILINE)
    assert {r[0]: (r[1], r[2]) for r in rows} == {k: (v.category, v.severity) for k, v in RULES.items()}


def test_severities_are_known_and_weighted():
    assert dict(SEVERITY_WEIGHTS) == {"critical": 3, "high": 2, "medium": 1, "low": 0.5}
    assert {rule.severity for rule in RULES.values()} <= set(SEVERITY_WEIGHTS)


def test_violation_to_dict_and_text_format(tmp_path):
    (tmp_path / "app.py").write_text(RANDOM_WORKFLOW)
    report = check_workspace(tmp_path)
    assert isinstance(report, CheckReport) and report.files_checked == 1
    (violation,) = report.violations
    assert isinstance(violation, Violation)
    assert violation.to_dict() == {
        "rule": "workflow-nondeterminism", "severity": "critical", "path": "app.py", "line": 6,
        "message": violation.message}
    assert format_text(report) == f"app.py:6: critical workflow-nondeterminism: {violation.message}"
    assert "step" in violation.message


def test_syntax_error_is_reported_and_other_files_still_checked(tmp_path):
    (tmp_path / "broken.py").write_text("def broken(:\n    pass\n")
    (tmp_path / "app.py").write_text(RANDOM_WORKFLOW)
    report = check_workspace(tmp_path)
    assert report.errors == ("broken.py:1: syntax error: invalid syntax",)
    assert [v.rule for v in report.violations] == ["workflow-nondeterminism"]
    assert report.files_checked == 1


def test_violations_are_sorted_by_path_line_rule(tmp_path):
    (tmp_path / "b.py").write_text(RANDOM_WORKFLOW)
    (tmp_path / "a.py").write_text("import time\n" + RANDOM_WORKFLOW + "\n@DBOS.workflow()\ndef w2():\n"
                                   "    time.sleep(1)\n    return time.time()\n")
    keys = [(v.path, v.line, v.rule) for v in check_workspace(tmp_path).violations]
    assert keys == sorted(keys) and keys[0][0] == "a.py" and keys[-1][0] == "b.py"


def test_check_paths_takes_files_and_directories(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "app.py").write_text(RANDOM_WORKFLOW)
    (tmp_path / "single.py").write_text(RANDOM_WORKFLOW)
    by_dir = check_paths([tmp_path / "pkg"])
    assert [v.path for v in by_dir.violations] == ["app.py"]
    with_root = check_paths([tmp_path / "pkg", tmp_path / "single.py"], root=tmp_path)
    assert [v.path for v in with_root.violations] == ["pkg/app.py", "single.py"]
    as_given = check_paths([tmp_path / "single.py"])
    assert [v.path for v in as_given.violations] == [(tmp_path / "single.py").as_posix()]


def test_missing_path_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        check_paths([tmp_path / "nope.py"])


def test_workspace_skips_hidden_venv_cache_and_excluded_folders(tmp_path):
    for folder in (".venv/lib", "__pycache__", ".git", "hidden_tests", "tests"):
        (tmp_path / folder).mkdir(parents=True)
        (tmp_path / folder / "x.py").write_text(RANDOM_WORKFLOW)
    (tmp_path / "hidden_tests_not.py").write_text("x = 1\n")
    report = check_workspace(tmp_path, exclude=["hidden_tests"])
    assert [v.path for v in report.violations] == ["tests/x.py"]
    assert report.files_checked == 2


def test_a_file_named_twice_is_checked_once(tmp_path):
    (tmp_path / "app.py").write_text(RANDOM_WORKFLOW)
    report = check_paths([tmp_path, tmp_path / "app.py"], root=tmp_path)
    assert report.files_checked == 1 and len(report.violations) == 1
