"""``replay:<run>[#<model>]``: the generations of an earlier run, regraded without calling any API.

A trial is matched to the earlier run's record with the same task, arm, skill content hash and epoch (and model,
when ``#<model>`` is given or the earlier run had several). The replayed generation keeps its files, transcript,
tokens and cost (nothing is spent again: ``spent_usd`` is 0) and its generation error, if it had one.

The earlier run is read by whoever builds the adapter (``harness.results.replay_runs``): this package never
reaches up into the results folder's format. It sees each earlier trial as a ``Replayed``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from harness.models.base import Generation, GenerationRequest, Usage
from harness.models.errors import UserError
from harness.models.reference import read_tree


@dataclass(frozen=True)
class Replayed:
    """An earlier trial as replay needs it; ``folder`` holds its ``files/`` and ``transcript.json``."""

    trial_id: str
    task_id: str
    model: str
    arm: str
    skill_hash: str | None
    epoch: int
    status: str
    reason: str | None
    detail: str
    usage: Mapping[str, Any]
    skill_files_read: tuple[str, ...]
    folder: Path


class ReplaySource(Protocol):
    @property
    def run_id(self) -> str: ...

    def generations(self) -> list[Replayed]: ...


OpenRun = Callable[[str], ReplaySource]  # a run reference (id or folder) -> its trials; a UserError if none


class ReplayModel:
    def __init__(self, ref: str, open_run: OpenRun) -> None:
        self.id = f"replay:{ref}"
        run_ref, _, self.model = ref.partition("#")
        self.run = open_run(run_ref)
        # a trial whose generation failed on our side has nothing to replay
        self.records = [r for r in self.run.generations() if r.reason != "model_api_error"]
        models = sorted({r.model for r in self.records})
        if self.model and self.model not in models:
            raise UserError(f"--model {self.id}: run {self.run.run_id} has no model {self.model!r} "
                            f"(it has: {', '.join(models) or 'no trials'})")
        if not self.model and len(models) > 1:
            raise UserError(f"--model {self.id}: run {self.run.run_id} has several models; pick one with "
                            f"replay:{run_ref}#<model> ({', '.join(models)})")

    def _match(self, request: GenerationRequest) -> Replayed | None:
        skill_hash = request.skill.hash if request.skill else None
        for record in self.records:
            if (record.task_id == request.task.id and record.arm == str(request.arm)
                    and record.skill_hash == skill_hash and record.epoch == request.epoch
                    and (not self.model or record.model == self.model)):
                return record
        return None

    def generate(self, request: GenerationRequest) -> Generation:
        record = self._match(request)
        if record is None:
            skills = sorted({r.skill_hash or "-" for r in self.records})
            return Generation({}, error=f"replay: run {self.run.run_id} has no generation of {request.task.id} "
                              f"arm={request.arm} epoch={request.epoch} with this skill (its skill hashes: "
                              f"{', '.join(s[:12] for s in skills)}; pass the same --skill)", error_kind="infra_error")
        try:
            transcript = json.loads((record.folder / "transcript.json").read_text())
        except (OSError, ValueError):
            transcript = []
        transcript = [{"turn": 0, "event": "replay", "run": self.run.run_id, "trial_id": record.trial_id,
                       "model": record.model}, *transcript]
        fields = set(Usage.__dataclass_fields__)
        usage = Usage(**{k: v for k, v in record.usage.items() if k in fields})
        usage = Usage(usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens,
                      usage.cost_usd, calls=0, cached_calls=usage.calls + usage.cached_calls, priced=usage.priced)
        reads = record.skill_files_read
        if record.status == "model_error" and record.reason == "model_output_invalid":
            return Generation({}, transcript, usage, reads, error=record.detail or "model error (replayed)",
                              error_kind="model_error")
        files_dir = record.folder / "files"
        if not files_dir.is_dir():
            return Generation({}, transcript, usage, reads, error=f"replay: {files_dir} is missing",
                              error_kind="infra_error")
        return Generation(read_tree(files_dir), transcript, usage, reads)
