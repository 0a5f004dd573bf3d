"""What goes through DBOS for one trial: a frozen ``TrialJob``, with an explicit JSON form.

The job is the trial workflow's input, and its generation and grading children get the same job. Everything
an executor needs to do its part, and nothing it could take from its own process, travels in it: the run the
trial belongs to (its record goes to that run's folder, whoever executes the workflow), the coordinator that
records it (a step on another executor ships its files back), the workflow id, a real model's mode and
parameters, and the run's response cache settings (a worker honours ``--no-cache`` and the cache path of the
run, not its own). The JSON form is versioned (``format``) so a worker reading an input it does not know
fails with a clear error instead of guessing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.trials import Trial

FORMAT = 1


@dataclass(frozen=True)
class ModelSpec:
    """A real model's mode and parameters as the coordinator resolved them (``harness.models.settings``)."""

    mode: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "params": dict(self.params)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ModelSpec:
        return cls(str(data["mode"]), dict(data.get("params") or {}))


@dataclass(frozen=True)
class CacheSpec:
    """The run's response cache: where it is, and whether it is read (``--no-cache``: only written)."""

    path: str
    read: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "read": self.read}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CacheSpec:
        return cls(str(data["path"]), bool(data.get("read", True)))


@dataclass(frozen=True)
class TrialJob:
    run_id: str
    coordinator: str  # executor id of the process that enqueued the trial and records it
    workflow_id: str
    trial: Trial
    cache: CacheSpec
    model: ModelSpec | None = None  # None for offline models (reference, mutant, replay)

    def to_json(self) -> dict[str, Any]:
        return {"format": FORMAT, "run_id": self.run_id, "coordinator": self.coordinator,
                "workflow_id": self.workflow_id, "trial": self.trial.to_dict(), "cache": self.cache.to_json(),
                "model": self.model.to_json() if self.model else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrialJob:
        """The job of a workflow input; a ``ValueError`` naming what is wrong for anything else."""
        if not isinstance(data, Mapping) or data.get("format") != FORMAT:
            got = data.get("format") if isinstance(data, Mapping) else type(data).__name__
            raise ValueError(f"not a trial job of format {FORMAT} (got {got!r}): an executor of another "
                             "harness version? give every process the same checkout")
        try:
            return cls(str(data["run_id"]), str(data["coordinator"]), str(data["workflow_id"]),
                       Trial.from_dict(data["trial"]), CacheSpec.from_json(data["cache"]),
                       ModelSpec.from_json(data["model"]) if data.get("model") else None)
        except (KeyError, TypeError) as exc:
            raise ValueError(f"trial job without {exc}") from None
