"""The model interface: a request in, a ``Generation`` (files, transcript, usage, error) out."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Protocol

from harness.skills import Arm, SkillVersion
from harness.tasks import Task

if TYPE_CHECKING:
    from harness.models.exec_tool import CommandSandbox


@dataclass(frozen=True)
class Usage:
    """Tokens and money of one generation. ``input_tokens`` are billed at the base input rate (prompt-cache
    reads and writes are counted apart); ``cost_usd`` prices every response the trial used, ``spent_usd``
    only those paid for in this run (API calls, not response-cache hits)."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    cost_usd: float = 0.0
    calls: int = 0  # API calls that returned a response
    cached_calls: int = 0  # responses served from the on-disk response cache (no API call)
    retries: int = 0  # failed API attempts that were retried
    spent_usd: float = 0.0
    priced: bool = True  # False when harness/prices.toml has no price for the model (costs are then 0)
    commands: int = 0  # run_command calls (agent_tools = "exec"), ran or replayed from the response cache
    cached_commands: int = 0  # ...of which replayed (not run)
    command_s: float = 0.0  # their wall time, as recorded when they ran

    def __add__(self, other: Usage) -> Usage:
        sums = {f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self) if f.name != "priced"}
        return Usage(**sums, priced=self.priced and other.priced)


@dataclass(frozen=True)
class GenerationRequest:
    task: Task
    arm: Arm
    skill: SkillVersion | None
    system_prompt: str
    user_prompt: str
    files: dict[str, str]  # the starting app, relative path -> text
    epoch: int
    commands: CommandSandbox | None = None  # where run_command runs (exec trials on an executor that grades)


@dataclass(frozen=True)
class Generation:
    """What a model produced. ``error_kind`` is None, "model_error" or "infra_error"."""

    files: dict[str, str]
    transcript: list[dict[str, Any]] = field(default_factory=list)
    usage: Usage = Usage()
    skill_files_read: tuple[str, ...] = ()  # distinct skill files the model opened, in first-read order
    error: str | None = None
    error_kind: str | None = None
    skill_reads: tuple[tuple[str, int], ...] = ()  # every skill file read with its turn, in order


class Model(Protocol):
    id: str

    def generate(self, request: GenerationRequest) -> Generation: ...
