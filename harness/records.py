"""The typed records of a trial's journey after its job (``harness/jobs.py``):

- ``GenerationOutcome``: what the generate step returns (through DBOS, in its JSON form);
- ``Graded``: what the grade step returns — the verdict as the record keeps it, read from the typed ``Verdict``;
- ``TrialRecord``: the line of ``trials.jsonl`` (the trial, its generation and its grading), with its JSON
  round trip. ``to_json`` is the file's format; ``from_json`` reads it back.

Step outputs travel as JSON (not pickled classes) so a recovered workflow reads what an older process wrote.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from graders import Reason, Status, Verdict
from harness.jobs import TrialJob

RECORD_FORMAT = 1  # a trials.jsonl line's "format"; lines written before it had none (read as format 0)
GENERATION_REASONS = {"model_error": Reason.MODEL_OUTPUT_INVALID, "infra_error": Reason.MODEL_API_ERROR}
CHECK_FIELDS = ("name", "passed", "status", "reason", "detail", "duration_s", "log")


@dataclass(frozen=True)
class GenerationOutcome:
    """One generation: its usage and skill reads, its error (``error_kind`` None, "model_error" or
    "infra_error"), the generated files' text (``workspace``: grading may run on another machine) and, from
    a step on another executor, the trial files it ships back (``shipped``)."""

    usage: Mapping[str, Any] = field(default_factory=dict)
    skill_files_read: tuple[str, ...] = ()
    skill_reads: tuple[tuple[str, int], ...] = ()
    error: str | None = None
    error_kind: str | None = None
    files: tuple[str, ...] = ()
    duration_s: float = 0.0
    traceback: str | None = None
    workspace: Mapping[str, str] = field(default_factory=dict)
    shipped: Mapping[str, str] | None = None

    @classmethod
    def harness_error(cls, exc: BaseException, traceback: str) -> GenerationOutcome:
        """An adapter's bug (or an executor missing what the trial needs) is ours, not the model's."""
        return cls(error=f"{type(exc).__name__}: {exc}", error_kind="infra_error", traceback=traceback)

    def to_json(self) -> dict[str, Any]:
        return {"usage": dict(self.usage), "skill_files_read": list(self.skill_files_read),
                "skill_reads": [{"path": p, "turn": t} for p, t in self.skill_reads], "error": self.error,
                "error_kind": self.error_kind, "files": list(self.files), "duration_s": self.duration_s,
                "traceback": self.traceback, "workspace": dict(self.workspace),
                "shipped": dict(self.shipped) if self.shipped is not None else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> GenerationOutcome:
        return cls(dict(data.get("usage") or {}), tuple(data.get("skill_files_read") or ()),
                   tuple((r["path"], r["turn"]) for r in data.get("skill_reads") or ()), data.get("error"),
                   data.get("error_kind"), tuple(data.get("files") or ()), float(data.get("duration_s") or 0.0),
                   data.get("traceback"), dict(data.get("workspace") or {}),
                   dict(data["shipped"]) if data.get("shipped") else None)


@dataclass(frozen=True)
class Graded:
    """A verdict as a record keeps it: the hidden tests' counts, durability's parts and the rules'
    violations taken from their checks, and every check's summary."""

    status: str
    passed: bool | None
    reason: str | None = None
    detail: str = ""
    score: float | None = None
    duration_s: float = 0.0
    tests: Mapping[str, Any] | None = None
    durability: Mapping[str, Any] | None = None
    violations: tuple[Mapping[str, Any], ...] = ()
    checks: tuple[Mapping[str, Any], ...] = ()
    shipped: Mapping[str, str] | None = None  # grading logs from a step on another executor

    @classmethod
    def of(cls, verdict: Verdict) -> Graded:
        hidden, rules, durability = verdict.check("hidden_tests"), verdict.check("rules"), verdict.check("durability")
        t = hidden.tests if hidden is not None else None
        return cls(
            str(verdict.status), verdict.passed, str(verdict.reason) if verdict.reason else None, verdict.detail,
            verdict.score, verdict.duration_s,
            {"passed": t.passed, "total": t.total, "failing": list(t.failing), "pytest_s": t.pytest_s} if t else None,
            {"passed": durability.passed, "parts": [asdict(p) for p in durability.parts]} if durability else None,
            tuple(rules.violations) if rules is not None else (),
            tuple({k: _plain(getattr(c, k)) for k in CHECK_FIELDS} for c in verdict.checks))

    @classmethod
    def failed(cls, status: Status, reason: Reason, detail: str) -> Graded:
        return cls.of(Verdict(status, None, reason=reason, detail=detail))

    @classmethod
    def generation_failed(cls, generation: GenerationOutcome) -> Graded:
        """A trial whose generation failed: never graded, never counted as a test failure."""
        status = Status(generation.error_kind or Status.INFRA_ERROR)
        return cls.failed(status, GENERATION_REASONS[status.value], generation.error or "")

    @classmethod
    def harness_failed(cls, stage: str, error: str) -> Graded:
        return cls.failed(Status.INFRA_ERROR, Reason.HARNESS_ERROR, f"{stage}: {error}")

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "passed": self.passed, "reason": self.reason, "detail": self.detail,
                "score": self.score, "duration_s": self.duration_s,
                "tests": dict(self.tests) if self.tests else None,
                "durability": dict(self.durability) if self.durability else None,
                "violations": [dict(v) for v in self.violations], "checks": [dict(c) for c in self.checks],
                "shipped": dict(self.shipped) if self.shipped is not None else None}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Graded:
        return cls(str(data["status"]), data.get("passed"), data.get("reason"), data.get("detail") or "",
                   data.get("score"), float(data.get("duration_s") or 0.0), data.get("tests"),
                   data.get("durability"), tuple(data.get("violations") or ()), tuple(data.get("checks") or ()),
                   data.get("shipped"))


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Status | Reason) else value


@dataclass(frozen=True)
class TrialRecord:
    """One line of ``trials.jsonl``."""

    trial_id: str
    key: str
    workflow_id: str | None
    task_id: str
    task_hash: str | None
    category: str
    model: str
    skill_label: str | None
    skill_hash: str | None
    arm: str
    epoch: int
    graded: Graded
    usage: Mapping[str, Any] = field(default_factory=dict)
    skill_files_read: tuple[str, ...] = ()
    skill_reads: tuple[tuple[str, int], ...] = ()
    generation_s: float = 0.0
    attempts: int = 0

    @classmethod
    def build(cls, job: TrialJob, generation: GenerationOutcome | None, graded: Graded,
              attempts: int) -> TrialRecord:
        t, g = job.trial, generation or GenerationOutcome()
        return cls(t.trial_id, t.key, job.workflow_id, t.task_id, t.task_hash, t.category, t.model, t.skill_label,
                   t.skill_hash, t.arm, t.epoch, graded, g.usage, g.skill_files_read, g.skill_reads,
                   g.duration_s, attempts)

    @property
    def status(self) -> str:
        return self.graded.status

    @property
    def passed(self) -> bool | None:
        return self.graded.passed

    @property
    def reason(self) -> str | None:
        return self.graded.reason

    @property
    def detail(self) -> str:
        return self.graded.detail

    @property
    def score(self) -> float | None:
        return self.graded.score

    @property
    def tests(self) -> Mapping[str, Any] | None:
        return self.graded.tests

    @property
    def durability(self) -> Mapping[str, Any] | None:
        return self.graded.durability

    @property
    def violations(self) -> tuple[Mapping[str, Any], ...]:
        return self.graded.violations

    @property
    def checks(self) -> tuple[Mapping[str, Any], ...]:
        return self.graded.checks

    @property
    def grading_s(self) -> float:
        return self.graded.duration_s

    @property
    def duration_s(self) -> float:
        return round(self.generation_s + self.graded.duration_s, 3)

    @property
    def failing_tests(self) -> list[str]:
        return list((self.tests or {}).get("failing", []))

    @property
    def durability_parts(self) -> list[Mapping[str, Any]]:
        return list((self.durability or {}).get("parts") or [])

    def to_json(self) -> dict[str, Any]:
        v = self.graded
        return {
            "format": RECORD_FORMAT, "trial_id": self.trial_id, "key": self.key, "workflow_id": self.workflow_id,
            "task_id": self.task_id,
            "task_hash": self.task_hash, "category": self.category, "model": self.model,
            "skill": {"label": self.skill_label, "hash": self.skill_hash}, "arm": self.arm, "epoch": self.epoch,
            "status": v.status, "passed": v.passed, "reason": v.reason, "detail": v.detail, "score": v.score,
            "tests": dict(v.tests) if v.tests else None,
            "durability": dict(v.durability) if v.durability else None,
            "violations": [dict(x) for x in v.violations], "checks": [dict(c) for c in v.checks],
            "usage": dict(self.usage), "skill_files_read": list(self.skill_files_read),
            "skill_reads": [{"path": p, "turn": t} for p, t in self.skill_reads],
            "generation_s": self.generation_s, "grading_s": v.duration_s,
            "duration_s": self.duration_s, "attempts": self.attempts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrialRecord:
        """The one parser of a ``trials.jsonl`` line: older records (format 0, before the field existed) lack
        some fields and get their defaults; a newer format or a missing field is a ``ValueError`` naming it."""
        if not isinstance(data, Mapping):
            raise ValueError(f"not a trial record (a JSON {type(data).__name__}, not an object)")
        version = data.get("format", 0)
        if not isinstance(version, int) or not 0 <= version <= RECORD_FORMAT:
            raise ValueError(f"trial record format {version!r} is not one this harness reads (0..{RECORD_FORMAT}): "
                             "written by a newer harness? read it with that version")
        try:
            return cls._parse(data)
        except KeyError as exc:
            raise ValueError(f"trial record without {exc}") from None
        except (TypeError, ValueError) as exc:
            raise ValueError(f"malformed trial record ({exc})") from None

    @classmethod
    def _parse(cls, data: Mapping[str, Any]) -> TrialRecord:
        skill = data.get("skill") or {}
        graded = Graded(str(data["status"]), data.get("passed"), data.get("reason"), data.get("detail") or "",
                        data.get("score"), float(data.get("grading_s") or 0.0), data.get("tests"),
                        data.get("durability"), tuple(data.get("violations") or ()), tuple(data.get("checks") or ()))
        return cls(str(data["trial_id"]), str(data["key"]), data.get("workflow_id"), str(data["task_id"]),
                   data.get("task_hash"), str(data.get("category") or "-"), str(data["model"]),
                   skill.get("label"), skill.get("hash"), str(data["arm"]), int(data.get("epoch") or 1),
                   graded, dict(data.get("usage") or {}), tuple(data.get("skill_files_read") or ()),
                   tuple((r["path"], r["turn"]) for r in data.get("skill_reads") or ()),
                   float(data.get("generation_s") or 0.0), int(data.get("attempts") or 0))
