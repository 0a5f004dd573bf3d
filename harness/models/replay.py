"""``replay:<run>[#<model>]``: the generations of an earlier run, regraded without calling any API.

A trial is matched to the earlier run's record with the same task, arm, skill content hash and epoch (and model,
when ``#<model>`` is given or the earlier run had several). The replayed generation keeps its files, transcript,
tokens and cost (nothing is spent again: ``spent_usd`` is 0) and its generation error, if it had one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.models.base import Generation, GenerationRequest, Usage
from harness.models.reference import read_tree
from harness.results import RunDir, results_root


class ReplayModel:
    def __init__(self, ref: str, results_dir: Path | None = None) -> None:
        self.id = f"replay:{ref}"
        run_ref, _, self.model = ref.partition("#")
        self.run = RunDir.open(run_ref, results_root(results_dir))
        # a trial whose generation failed on our side has nothing to replay
        self.records = [r for r in self.run.records() if r.get("reason") != "model_api_error"]
        models = sorted({r["model"] for r in self.records})
        if self.model and self.model not in models:
            raise UserError(f"--model {self.id}: run {self.run.run_id} has no model {self.model!r} "
                            f"(it has: {', '.join(models) or 'no trials'})")
        if not self.model and len(models) > 1:
            raise UserError(f"--model {self.id}: run {self.run.run_id} has several models; pick one with "
                            f"replay:{run_ref}#<model> ({', '.join(models)})")

    def _match(self, request: GenerationRequest) -> dict[str, Any] | None:
        skill_hash = request.skill.hash if request.skill else None
        for record in self.records:
            if (record["task_id"] == request.task.id and record["arm"] == str(request.arm)
                    and (record.get("skill") or {}).get("hash") == skill_hash and record["epoch"] == request.epoch
                    and (not self.model or record["model"] == self.model)):
                return record
        return None

    def generate(self, request: GenerationRequest) -> Generation:
        record = self._match(request)
        if record is None:
            skills = sorted({(r.get("skill") or {}).get("hash") or "-" for r in self.records})
            return Generation({}, error=f"replay: run {self.run.run_id} has no generation of {request.task.id} "
                              f"arm={request.arm} epoch={request.epoch} with this skill (its skill hashes: "
                              f"{', '.join(s[:12] for s in skills)}; pass the same --skill)", error_kind="infra_error")
        trial_dir = self.run.trial_dir(record["trial_id"])
        try:
            transcript = json.loads((trial_dir / "transcript.json").read_text())
        except (OSError, ValueError):
            transcript = []
        transcript = [{"turn": 0, "event": "replay", "run": self.run.run_id, "trial_id": record["trial_id"],
                       "model": record["model"]}, *transcript]
        fields = set(Usage.__dataclass_fields__)
        usage = Usage(**{k: v for k, v in (record.get("usage") or {}).items() if k in fields})
        usage = Usage(usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens,
                      usage.cost_usd, calls=0, cached_calls=usage.calls + usage.cached_calls, priced=usage.priced)
        reads = tuple(record.get("skill_files_read") or ())
        if record["status"] == "model_error" and record.get("reason") == "model_output_invalid":
            return Generation({}, transcript, usage, reads, error=record.get("detail") or "model error (replayed)",
                              error_kind="model_error")
        files_dir = trial_dir / "files"
        if not files_dir.is_dir():
            return Generation({}, transcript, usage, reads, error=f"replay: {files_dir} is missing",
                              error_kind="infra_error")
        return Generation(read_tree(files_dir), transcript, usage, reads)
