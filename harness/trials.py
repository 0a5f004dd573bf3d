"""Trials: one task x model x skill arm x epoch, with a stable content-hashed key.

The key changes whenever anything that changes the answer changes (the task's files, the model id, the arm,
the skill's content, the epoch, and for real models the mode and parameters), so a resumed run reuses exactly
the trials that are still the same.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from graders.timing import TIMING_FILE
from harness.models import ignores_prompt
from harness.skills import Arm, SkillVersion
from harness.tasks import Task


@dataclass(frozen=True)
class Trial:
    task_id: str
    category: str
    model: str
    arm: str
    skill_label: str | None
    skill_hash: str | None
    epoch: int
    task_hash: str
    settings: str | None = None  # fingerprint of a real model's mode and parameters (harness.models.settings)

    @property
    def key(self) -> str:
        parts: tuple[str, ...] = (self.task_id, self.task_hash, self.model, self.arm, self.skill_hash or "-",
                                  str(self.epoch))
        parts += (self.settings,) if self.settings else ()
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]

    @property
    def trial_id(self) -> str:
        """Readable and unique within a run: what folders and reports are named by."""
        skill = f"{self.skill_label}" if self.skill_label else "noskill"
        model = self.model.replace("/", "_").replace(":", "_")
        return f"{self.task_id}.{model}.{self.arm}.{skill}.e{self.epoch}"

    def to_dict(self) -> dict:
        return {**asdict(self), "key": self.key, "trial_id": self.trial_id}

    @classmethod
    def from_dict(cls, data: dict) -> Trial:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


def task_hash(task: Task) -> str:
    """Hash of every file of the task folder: editing a test or the reference makes new trials. The measured
    times (``timing.toml``, rewritten by every ``validate``) are not the task's content."""
    digest = hashlib.sha256()
    for file in sorted(Path(task.path).rglob("*")):
        if file.is_file() and "__pycache__" not in file.parts and file.name != TIMING_FILE:
            digest.update(file.relative_to(task.path).as_posix().encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def expand(tasks: Sequence[Task], models: Sequence[str], arms: Sequence[Arm], skills: Sequence[SkillVersion],
           epochs: int, settings: Mapping[str, str] | None = None) -> list[Trial]:
    """The trial matrix. ``none`` runs once per model (no skill); pseudo-models that ignore the prompt run
    under ``none`` only. ``settings`` maps a real model id to the fingerprint of its parameters."""
    trials = []
    hashes = {t.id: task_hash(t) for t in tasks}
    for task, model, epoch in itertools.product(tasks, models, range(1, epochs + 1)):
        model_arms = [Arm.NONE] if ignores_prompt(model) else list(arms)
        for arm in model_arms:
            for skill in ([None] if arm is Arm.NONE else skills):
                trials.append(Trial(task.id, task.category, model, str(arm), skill.label if skill else None,
                                    skill.hash if skill else None, epoch, hashes[task.id],
                                    (settings or {}).get(model)))
    return trials
