from pathlib import Path

from harness.skill_check import lint_skill
from tests.conftest import REPO

V2 = REPO / "tests" / "fixtures" / "skill_v2"


def errors(findings) -> list[str]:
    return [str(f) for f in findings if f.level == "error"]


def test_our_skill_has_no_errors():
    assert errors(lint_skill(REPO / "skill")) == []


def test_a_skill_written_for_dbos_2_is_rejected():
    found = errors(lint_skill(V2))
    assert any("Correct example triggers api-removed-v3" in f for f in found), found
    assert any("linked file references/step-transactions.md does not exist" in f for f in found), found
    assert any("does not compile" in f for f in found), found


def test_an_incorrect_example_that_triggers_a_rule_is_not_a_warning():
    warnings = [str(f) for f in lint_skill(V2) if f.level == "warning"]
    assert not any("queue-basics.md:4" in w for w in warnings), warnings


def test_front_matter_limits(tmp_path: Path):
    (tmp_path / "SKILL.md").write_text("---\nname: Bad Name\ndescription: " + "x" * 1100 + "\n---\nbody\n")
    found = errors(lint_skill(tmp_path))
    assert any("name 'Bad Name'" in f for f in found)
    assert any("description is 1100 characters" in f for f in found)
    (tmp_path / "SKILL.md").write_text("no front matter\n")
    assert any("no YAML front matter" in f for f in errors(lint_skill(tmp_path)))
