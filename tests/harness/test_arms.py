"""The arms that isolate what the skill's content does: the placebo skill (size, form, determinism), the system
prompt and tools of every arm, and the trial matrix."""

import re

import pytest

from harness.models.agent import tools_for
from harness.placebo import TOKENIZER, approx_tokens, placebo_for, total_tokens
from harness.prompts import BASE_SYSTEM, FORCED_READ, docs_index, system_prompt
from harness.skills import ARM_NAMES, Arm, load_skill
from harness.tasks import load_tasks
from harness.trials import expand
from tests.conftest import FIXTURE_TASKS, REPO

SKILLS = [REPO / "skill", REPO / "tests" / "fixtures" / "skill_v2"]
DBOS_WORDS = re.compile(r"dbos|workflow|enqueue|postgres|@DBOS|def |import ", re.I)


@pytest.mark.parametrize("path", SKILLS, ids=lambda p: p.name)
def test_the_placebo_has_the_skills_size_and_form_but_nothing_about_dbos(path):
    skill = load_skill(path)
    placebo = placebo_for(skill)
    assert TOKENIZER == "characters/4" and approx_tokens("abcdefgh") == 2
    assert abs(total_tokens(placebo) - total_tokens(skill)) <= 0.05 * total_tokens(skill)
    assert len(placebo.files) == len(skill.files) and placebo.files[0][0] == "SKILL.md"
    assert [rel.split("/")[0] for rel, _ in placebo.files[1:]] == [rel.split("/")[0] for rel, _ in skill.files[1:]]
    assert placebo.files[0][1].startswith("---\nname: houseplant-care\ndescription: ")
    for (_, original), (_, text) in zip(skill.files, placebo.files, strict=True):
        assert abs(approx_tokens(text) - approx_tokens(original)) <= 0.05 * approx_tokens(original) + 3
        assert text.count("\n") == original.count("\n")  # same lines: headings, bullets, fences, blanks
        assert text.count("```") == original.count("```")
    body = "\n".join(text for _, text in placebo.files)
    assert not DBOS_WORDS.search(body), DBOS_WORDS.search(body)
    assert placebo.hash != skill.hash and placebo.description != skill.description


def test_the_placebo_is_identical_across_loads():
    first, second = placebo_for(load_skill(REPO / "skill")), placebo_for(load_skill(REPO / "skill"))
    assert first is not second or first.hash == second.hash
    placebo_for.cache_clear()
    assert placebo_for(load_skill(REPO / "skill")).files == first.files


def test_every_arm_has_its_own_system_prompt_and_tools():
    skill = load_skill(REPO / "skill")
    prompts = {arm: system_prompt(arm, skill) for arm in Arm}
    skill_body = skill.files[1][1]
    assert prompts[Arm.NONE] == BASE_SYSTEM
    assert skill_body in prompts[Arm.INLINE]
    assert skill_body not in prompts[Arm.PLACEBO] and "houseplant-care" in prompts[Arm.PLACEBO]
    assert abs(len(prompts[Arm.PLACEBO]) - len(prompts[Arm.INLINE])) <= 0.05 * len(prompts[Arm.INLINE])
    assert FORCED_READ in prompts[Arm.TOOL_FORCED] and FORCED_READ not in prompts[Arm.TOOL]
    assert prompts[Arm.TOOL_FORCED].replace(f"\n{FORCED_READ}", "") == prompts[Arm.TOOL]
    index = prompts[Arm.INDEX]
    assert docs_index(skill) in index and skill_body not in index and len(index) < len(prompts[Arm.INLINE]) / 10
    listed = [ln for ln in docs_index(skill).splitlines()]
    assert len(listed) == len(skill.files) and all(len(ln) < 140 or ln.startswith("- SKILL.md") for ln in listed)
    assert [ln.split(":")[0][2:] for ln in listed] == [rel for rel, _ in skill.files]
    for arm in Arm:
        names = {t.name for t in tools_for("agent", arm, skill)}
        assert ("read_skill_file" in names) == (arm in (Arm.TOOL, Arm.TOOL_FORCED, Arm.INDEX)), arm
    assert ARM_NAMES == "none, inline, tool, tool-forced, index, placebo"


def test_each_arm_is_part_of_the_trial_key_and_offline_models_ignore_it():
    tasks = load_tasks(FIXTURE_TASKS, ["greet-workflow"])
    skill = load_skill(REPO / "skill")
    trials = expand(tasks, ["anthropic/m", "reference"], list(Arm), [skill], 1)
    real = [t for t in trials if t.model == "anthropic/m"]
    assert sorted(t.arm for t in real) == sorted(a.value for a in Arm)
    assert len({t.key for t in real}) == len(Arm) and len({t.trial_id for t in real}) == len(Arm)
    assert [t.arm for t in trials if t.model == "reference"] == ["none"]
