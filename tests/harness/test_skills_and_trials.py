import shutil
from pathlib import Path

import pytest

from harness.errors import UserError
from harness.prompts import system_prompt
from harness.skills import Arm, load_skill, parse_front_matter
from harness.tasks import load_task
from harness.trials import Trial, expand, task_hash
from tests.conftest import FIXTURE_TASKS, REPO


def make_skill(root: Path, body: str = "Use DBOS.") -> Path:
    (root / "references").mkdir(parents=True)
    (root / "SKILL.md").write_text(f"---\nname: dbos-python\ndescription: >\n  Guide to DBOS\n  3.x.\n---\n{body}\n")
    (root / "references" / "queue-basics.md").write_text("# Queues\n")
    return root


def test_skill_hash_is_stable_and_follows_content(tmp_path):
    a = load_skill(make_skill(tmp_path / "a"))
    b = load_skill(make_skill(tmp_path / "b"))
    assert a.hash == b.hash, "same content must mean the same skill version"
    (tmp_path / "b" / "references" / "queue-basics.md").write_text("# Queues, edited\n")
    assert load_skill(tmp_path / "b").hash != a.hash
    assert a.description == "Guide to DBOS 3.x."
    assert [rel for rel, _ in a.files] == ["SKILL.md", "references/queue-basics.md"]


def test_a_directory_without_skill_md_is_a_user_error(tmp_path):
    with pytest.raises(UserError, match="no SKILL.md"):
        load_skill(tmp_path)


def test_the_repository_skill_loads():
    skill = load_skill(REPO / "skill")
    assert skill.name == "dbos-python"
    assert len(skill.description) <= 1024


def test_arms_put_the_skill_where_they_say(tmp_path):
    skill = load_skill(make_skill(tmp_path / "s", body="UNIQUE-SKILL-BODY"))
    assert "UNIQUE-SKILL-BODY" in system_prompt(Arm.INLINE, skill)
    assert "UNIQUE-SKILL-BODY" not in system_prompt(Arm.NONE, skill)
    tool = system_prompt(Arm.TOOL, skill)
    assert "UNIQUE-SKILL-BODY" not in tool and "Guide to DBOS" in tool


def test_front_matter_parsing_handles_quotes_and_folding():
    assert parse_front_matter("---\nname: 'x'\ndescription: a\n  b\n---\nbody") == {"name": "x", "description": "a b"}
    assert parse_front_matter("no front matter") == {}


def trial(**changes) -> Trial:
    base = dict(task_id="t", category="queue", model="reference", arm="none", skill_label=None, skill_hash=None,
                epoch=1, task_hash="abc")
    return Trial(**{**base, **changes})


def test_trial_key_is_stable_and_changes_with_every_input():
    assert trial().key == trial().key
    keys = {trial().key, trial(model="openai/x").key, trial(arm="inline", skill_hash="h").key,
            trial(epoch=2).key, trial(task_hash="abd").key, trial(task_id="u").key}
    assert len(keys) == 6
    assert trial(skill_label="renamed").key == trial().key, "a label is not content"


def test_task_hash_changes_when_a_hidden_test_changes(tmp_path):
    shutil.copytree(FIXTURE_TASKS / "greet-workflow", tmp_path / "greet-workflow")
    before = task_hash(load_task(tmp_path / "greet-workflow"))
    (tmp_path / "greet-workflow" / "tests" / "test_greet.py").write_text("def test_x():\n    pass\n")
    assert task_hash(load_task(tmp_path / "greet-workflow")) != before


def test_matrix_runs_none_once_and_pseudo_models_under_none_only(tmp_path):
    task = load_task(FIXTURE_TASKS / "greet-workflow")
    skills = [load_skill(make_skill(tmp_path / "s1")), load_skill(make_skill(tmp_path / "s2", body="other"))]
    real = expand([task], ["openai/gpt"], [Arm.NONE, Arm.INLINE], skills, epochs=2)
    assert len(real) == 2 * (1 + 2)  # per epoch: none once, inline per skill version
    assert len({t.key for t in real}) == len(real)
    assert [t.arm for t in expand([task], ["reference"], [Arm.NONE, Arm.INLINE], skills, 1)] == ["none"]
