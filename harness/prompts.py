"""The prompts of a trial, in one home: the system prompt of each arm, the task's user prompt, and the one
``GenerationRequest`` builder that generation and the cost estimate (``harness.budget``) both use. The agent
loop's own tool instructions live with the loop (``harness.models.agent``).

A new arm adds its system prompt here (``system_prompt``) and its value to ``Arm`` (``harness.models.base``).
"""

from __future__ import annotations

from harness.models import GenerationRequest, read_tree
from harness.placebo import placebo_for
from harness.skills import FRONT_MATTER, Arm, SkillVersion
from harness.tasks import Task
from harness.trials import Trial

BASE_SYSTEM = (
    "You are an expert Python engineer working in a small code base. Make the change the user asks for by "
    "editing the files of the workspace. Keep the interface the user describes exactly."
)


FORCED_READ = ("Before you do anything else, read the skill's SKILL.md with the read_skill_file tool, then "
               "follow it.")


def file_summary(rel: str, text: str) -> str:
    """One line for a docs index: the file's first heading (else its first sentence), at most 100 characters."""
    body = FRONT_MATTER.sub("", text)
    heading = next((ln.lstrip("#").strip() for ln in body.splitlines() if ln.startswith("#")), "")
    line = heading or next((ln.strip() for ln in body.splitlines() if ln.strip()), rel)
    return line if len(line) <= 100 else line[:97] + "..."


def docs_index(skill: SkillVersion) -> str:
    """The skill condensed to an AGENTS.md-style index: each file with one line."""
    lines = [f"- {rel}: {skill.description if rel == 'SKILL.md' else file_summary(rel, text)}"
             for rel, text in skill.files]
    return "\n".join(lines)


def system_prompt(arm: Arm, skill: SkillVersion | None) -> str:
    """The system prompt for an arm: the skill (or its placebo) inline, its summary (tool arms), its docs index,
    or nothing."""
    if arm is Arm.NONE or skill is None:
        return BASE_SYSTEM
    if arm in (Arm.TOOL, Arm.TOOL_FORCED):
        forced = f"\n{FORCED_READ}" if arm is Arm.TOOL_FORCED else ""
        return (f"{BASE_SYSTEM}\n\nAn agent skill is available. Read its files with the read_skill_file tool "
                f"when it is relevant.{forced}\n<skill name=\"{skill.name}\">{skill.description}</skill>")
    if arm is Arm.INDEX:
        return (f"{BASE_SYSTEM}\n\nDocs index of the agent skill {skill.name} (read any file with the "
                f"read_skill_file tool; prefer reading the relevant file to guessing):\n{docs_index(skill)}")
    if arm is Arm.PLACEBO:
        skill = placebo_for(skill)
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
    return GenerationRequest(task.ref(), arm, skill, system_prompt(arm, skill), user_prompt(task, start_files),
                             start_files, trial.epoch)
