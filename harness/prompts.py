"""The prompts of a trial, in one home: the system prompt of each arm, the task's user prompt, and the one
``GenerationRequest`` builder that generation and the cost estimate (``harness.budget``) both use. The agent
loop's own tool instructions live with the loop (``harness.models.agent``).

A new arm adds its system prompt here (``system_prompt``) and its value to ``harness.skills.Arm``.
"""

from __future__ import annotations

from harness.models import GenerationRequest, read_tree
from harness.skills import Arm, SkillVersion
from harness.tasks import Task
from harness.trials import Trial

BASE_SYSTEM = (
    "You are an expert Python engineer working in a small code base. Make the change the user asks for by "
    "editing the files of the workspace. Keep the interface the user describes exactly."
)


def system_prompt(arm: Arm, skill: SkillVersion | None) -> str:
    """The system prompt for an arm: the skill inline, only its summary (tool arm), or nothing."""
    if arm is Arm.NONE or skill is None:
        return BASE_SYSTEM
    if arm is Arm.TOOL:
        return (f"{BASE_SYSTEM}\n\nAn agent skill is available. Read its files with the read_skill_file tool "
                f"when it is relevant.\n<skill name=\"{skill.name}\">{skill.description}</skill>")
    body = "\n\n".join(f'<skill_file path="{rel}">\n{text}\n</skill_file>' for rel, text in skill.files)
    return f"{BASE_SYSTEM}\n\nFollow this agent skill ({skill.name}):\n{body}"


PROMPT_FOOTER = (
    "\n\nThe workspace contains these files:\n{listing}\n\nEdit the files to do what is asked. "
    "The hidden grader runs the code with Python 3.11 and dbos 3.4.0."
)


def user_prompt(task: Task, files: dict[str, str]) -> str:
    return task.prompt.rstrip() + PROMPT_FOOTER.format(listing="\n".join(f"- {p}" for p in sorted(files)))


def build_request(trial: Trial, task: Task, skill: SkillVersion | None) -> GenerationRequest:
    """What the model is given for ``trial``: the arm's system prompt, the task prompt and the starting files."""
    start_files = read_tree(task.app_dir)
    arm = Arm(trial.arm)
    return GenerationRequest(task, arm, skill, system_prompt(arm, skill), user_prompt(task, start_files),
                             start_files, trial.epoch)
