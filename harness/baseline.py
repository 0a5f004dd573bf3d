"""Accepted baselines: the runs a user has marked as "this is how good it is", which nightly runs compare
against. Kept in ``results/baselines.json`` (newest last, paths relative to the results folder so it can move
with it, e.g. through a CI cache); the latest accepted run that still exists wins."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.results import RunDir

FILE = "baselines.json"


def _path(results_dir: Path) -> Path:
    return Path(results_dir) / FILE


def accepted(results_dir: Path) -> list[dict[str, Any]]:
    path = _path(results_dir)
    if not path.exists():
        return []
    try:
        return list(json.loads(path.read_text()).get("accepted", []))
    except (OSError, json.JSONDecodeError, AttributeError) as exc:
        raise UserError(f"{path}: unreadable baselines file ({exc}); fix or delete it") from None


def accept(results_dir: Path, run: RunDir, note: str = "") -> dict[str, Any]:
    """Mark ``run`` as the baseline. A run without graded trials cannot be one."""
    records = run.records()
    if not records:
        raise UserError(f"{run.run_id}: no trial records, nothing to accept (run it first)")
    if all(r.status == "infra_error" for r in records):
        raise UserError(f"{run.run_id}: every trial is an infra error; rerun it before accepting it")
    manifest = run.read_manifest()
    root = run.root.resolve()
    where = root.relative_to(Path(results_dir).resolve()) if root.is_relative_to(Path(results_dir).resolve()) else root
    entry = {"run_id": run.run_id, "path": str(where), "accepted_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
             "note": note, "trials": len(records), "git_revision": manifest.get("git_revision"),
             "infra_errors": sum(r.status == "infra_error" for r in records)}
    entries = [e for e in accepted(results_dir) if e.get("path") != entry["path"]]
    entries.append(entry)
    path = _path(results_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"accepted": entries}, indent=2) + "\n")
    tmp.replace(path)
    return entry


def latest(results_dir: Path) -> RunDir | None:
    """The most recently accepted baseline whose run folder still exists."""
    for entry in reversed(accepted(results_dir)):
        root = Path(results_dir) / (entry.get("path") or "")  # relative to the results folder, or absolute
        if entry.get("path") and (root / "run.json").is_file():
            return RunDir.open(str(root), results_dir)
    return None
