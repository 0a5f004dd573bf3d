"""The generate stage: give a model the task (and the skill arm), write what it produced to the trial folder."""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING

from harness.models import Generation, Model, make_model
from harness.prompts import build_request
from harness.records import GenerationOutcome
from harness.skills import SkillVersion
from harness.tasks import Task
from harness.trials import Trial

if TYPE_CHECKING:
    from graders import GradingEnvironment


def generate_trial(trial: Trial, task: Task, skill: SkillVersion | None, trial_dir: Path,
                   model: Model | None = None, grading: GradingEnvironment | None = None) -> GenerationOutcome:
    """Run the model once (``model``, else the adapter for ``trial.model``); the generated workspace goes to
    ``trial_dir/files``. ``grading``: where an exec agent's commands run (a sandbox like grading's)."""
    started = time.perf_counter()
    request = build_request(trial, task, skill)
    if grading is not None:
        from harness.models.exec_tool import CommandSandbox

        request = replace(request, commands=CommandSandbox(grading, task.grading, trial.key))
    generation = (model or make_model(trial.model)).generate(request)
    files_dir = trial_dir / "files"
    shutil.rmtree(files_dir, ignore_errors=True)
    files_dir.mkdir(parents=True)
    for rel, text in generation.files.items():
        target = (files_dir / rel).resolve()
        if not target.is_relative_to(files_dir.resolve()):
            return _summary(generation, started, f"the model wrote outside the workspace: {rel}", "model_error")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    (trial_dir / "transcript.json").write_text(json.dumps(generation.transcript, indent=1, default=str))
    return _summary(generation, started, generation.error, generation.error_kind)


def _summary(generation: Generation, started: float, error: str | None,
             error_kind: str | None) -> GenerationOutcome:
    return GenerationOutcome(asdict(generation.usage), tuple(generation.skill_files_read),
                             tuple(generation.skill_reads), error, error_kind, tuple(sorted(generation.files)),
                             round(time.perf_counter() - started, 3))
