"""The model interface: a request in, a ``Generation`` (files, transcript, usage, error) out.

The request's parts are defined here, at the bottom of the house: the arm, the skill version and what a model
may know of the task (``TaskRef``). ``harness.skills`` and ``harness.tasks`` build them; the model package
imports nothing of the harness above it (``tests/test_layering.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

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


class Arm(StrEnum):
    NONE = "none"  # no skill at all: the baseline
    INLINE = "inline"  # SKILL.md and every reference in the system prompt
    TOOL = "tool"  # name and description up front; files read on demand through a tool
    TOOL_FORCED = "tool-forced"  # the tool arm, told (and held) to read SKILL.md before anything else
    INDEX = "index"  # an AGENTS.md-style docs index (one line per file) in the prompt; files read through the tool
    PLACEBO = "placebo"  # an irrelevant skill of the same size and form, inline (harness.placebo): context, not content

    @property
    def reads_skill(self) -> bool:
        """Arms that offer the read_skill_file tool."""
        return self in (Arm.TOOL, Arm.TOOL_FORCED, Arm.INDEX)


@dataclass(frozen=True)
class SkillVersion:
    label: str
    path: Path
    hash: str
    name: str
    description: str
    files: tuple[tuple[str, str], ...]  # (relative path, text), SKILL.md first

    @property
    def short(self) -> str:
        return f"{self.label}@{self.hash[:8]}"


@dataclass(frozen=True)
class Solution:
    """A known solution of a task: a folder of files laid over its starting app."""

    name: str
    path: Path


@dataclass(frozen=True)
class TaskRef:
    """What a model may know of a task besides its prompt: its id and, for the offline pseudo-models, where its
    reference, mutants and alternatives are (``harness.tasks.Task.ref`` builds it)."""

    id: str
    reference_dir: Path
    mutants: tuple[Solution, ...] = ()
    alternatives: tuple[Solution, ...] = ()


@dataclass(frozen=True)
class GenerationRequest:
    task: TaskRef
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
