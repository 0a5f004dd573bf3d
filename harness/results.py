"""One object owns a run's output paths: ``results/runs/<run_id>/`` with run.json, trials.jsonl and one
folder per trial (generated files, transcript, grading logs)."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.models.replay import Replayed
from harness.records import TrialRecord

RESULTS = Path(__file__).resolve().parent.parent / "results"  # the default results folder, named only here


def results_root(given: str | Path | None = None) -> Path:
    """``--results-dir`` when given, else ``results/`` of the checkout."""
    return Path(given) if given else RESULTS


class RunDir:
    def __init__(self, results_dir: Path, run_id: str) -> None:
        self.run_id = run_id
        self.root = Path(results_dir) / "runs" / run_id
        self._lock = threading.Lock()
        self._parsed: tuple[tuple[int, int], list[TrialRecord]] | None = None  # (mtime_ns, size) -> records

    @classmethod
    def open(cls, ref: str, results_dir: Path) -> RunDir:
        """A run by id or by directory (``results/runs/<id>``); a user error when it has no results."""
        path = Path(ref)
        if (path / "run.json").is_file():
            run = cls(path.resolve().parent.parent, path.resolve().name)
            run.root = path.resolve()  # any folder holding a run, not only <results>/runs/<id>
        else:
            run = cls(results_dir, ref)
        if not (run.root / "run.json").is_file():
            raise UserError(f"{ref}: not a run (no run.json under {run.root})")
        return run

    @property
    def manifest_path(self) -> Path:
        return self.root / "run.json"

    @property
    def trials_path(self) -> Path:
        return self.root / "trials.jsonl"

    def trial_dir(self, trial_id: str) -> Path:
        return self.root / "trials" / trial_id

    def files_dir(self, trial_id: str) -> Path:
        return self.trial_dir(trial_id) / "files"

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        previous = self.read_manifest() if self.manifest_path.exists() else {}
        manifest = {**manifest, "git_revision": git_revision(), "resumed": bool(previous),
                    "started_at": previous.get("started_at", manifest.get("started_at"))}
        self._write_json(self.manifest_path, manifest)

    def read_manifest(self) -> dict[str, Any]:
        try:
            return json.loads(self.manifest_path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise UserError(f"{self.manifest_path}: unreadable run manifest ({exc})") from None

    def update_manifest(self, **fields: Any) -> None:
        self._write_json(self.manifest_path, {**self.read_manifest(), **fields})

    def append_record(self, record: TrialRecord) -> bool:
        """Append a trial's record once (a step re-run after a crash does not duplicate it)."""
        with self._lock:
            known = self.records()
            if any(r.trial_id == record.trial_id for r in known):
                return False
            self.root.mkdir(parents=True, exist_ok=True)
            self._drop_torn_tail()
            line = json.dumps(record.to_json(), default=str)
            with self.trials_path.open("a") as out:
                out.write(line + "\n")
                out.flush()
                os.fsync(out.fileno())
            stamp = self._stamp()
            if stamp is not None and self._parsed is not None and len(self._parsed[1]) == len(known):
                self._parsed = (stamp, [*known, TrialRecord.from_json(json.loads(line))])  # no re-read
            return True

    def _drop_torn_tail(self) -> None:
        """A run killed mid-append leaves a last line without its newline; appending after it would glue the
        next record onto it and lose both. The torn record's step never completed, so it is written again."""
        if not self.trials_path.exists():
            return
        with self.trials_path.open("rb+") as f:
            size = f.seek(0, os.SEEK_END)
            if size == 0:
                return
            f.seek(size - 1)
            if f.read(1) == b"\n":
                return
            f.seek(0)
            f.truncate(f.read().rfind(b"\n") + 1)

    def drop_records(self, keys: set[str]) -> None:
        """Remove the records of these trial keys (to retry them); the rest is rewritten atomically."""
        if not keys:
            return
        with self._lock:
            kept = [r for r in self.records() if r.key not in keys]
            tmp = self.trials_path.with_suffix(".tmp")
            tmp.write_text("".join(json.dumps(r.to_json(), default=str) + "\n" for r in kept))
            tmp.replace(self.trials_path)

    def _stamp(self) -> tuple[int, int] | None:
        try:
            stat = self.trials_path.stat()
        except FileNotFoundError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def records(self) -> list[TrialRecord]:
        """Trial records; a torn last line (a crash mid-write) is skipped, not fatal, and any other bad line is a
        user error naming the file and line. The file is parsed again only when it changed (its mtime or size):
        progress updates and budget polls read it often, and a record this object appends is added without a
        re-read."""
        stamp = self._stamp()
        if stamp is None:
            return []
        if self._parsed is not None and self._parsed[0] == stamp:
            return list(self._parsed[1])
        lines = self.trials_path.read_text().splitlines()
        out = []
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError:
                if n != len(lines):
                    raise UserError(f"{self.trials_path}:{n}: not valid JSON (repair or delete that line; "
                                    "every other record is kept)") from None
                continue
            try:
                out.append(TrialRecord.from_json(data))
            except ValueError as exc:
                raise UserError(f"{self.trials_path}:{n}: {exc}") from None
        self._parsed = (stamp, out)
        return list(out)

    @staticmethod
    def _write_json(path: Path, data: dict[str, Any]) -> None:
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n")
        tmp.replace(path)


@dataclass(frozen=True)
class ReplayRun:
    """An earlier run as ``replay:<run>`` reads it (``harness.models.replay.ReplaySource``)."""

    run: RunDir

    @property
    def run_id(self) -> str:
        return self.run.run_id

    def generations(self) -> list[Replayed]:
        return [Replayed(r.trial_id, r.task_id, r.model, r.arm, r.skill_hash, r.epoch, r.status, r.graded.reason,
                         r.graded.detail, r.usage, r.skill_files_read, self.run.trial_dir(r.trial_id))
                for r in self.run.records()]


def replay_runs(results_dir: str | Path | None) -> Callable[[str], ReplayRun]:
    """What ``make_model`` opens a ``replay:<run>`` with: a run by id (under ``results_dir``) or by folder."""
    return lambda ref: ReplayRun(RunDir.open(ref, results_root(results_dir)))


def git_revision() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], cwd=Path(__file__).parent, capture_output=True,
                              text=True, timeout=10, check=False)
    except OSError:
        return None
    return done.stdout.strip() or None
