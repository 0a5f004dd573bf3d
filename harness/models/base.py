"""The model interface: a request in, a ``Generation`` (files, transcript, usage, error) out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from harness.skills import Arm, SkillVersion
from harness.tasks import Task


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0


@dataclass(frozen=True)
class GenerationRequest:
    task: Task
    arm: Arm
    skill: SkillVersion | None
    system_prompt: str
    user_prompt: str
    files: dict[str, str]  # the starting app, relative path -> text
    epoch: int


@dataclass(frozen=True)
class Generation:
    """What a model produced. ``error_kind`` is None, "model_error" or "infra_error"."""

    files: dict[str, str]
    transcript: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = Usage()
    skill_files_read: tuple[str, ...] = ()
    error: str | None = None
    error_kind: str | None = None


class Model(Protocol):
    id: str

    def generate(self, request: GenerationRequest) -> Generation: ...
