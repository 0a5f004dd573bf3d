"""What grading returns: one ``Check`` per grader and a ``Verdict`` per trial, with closed sets of outcomes."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from graders.rules.model import SEVERITY_WEIGHTS  # one table: the rules define their severities


class Status(StrEnum):
    OK = "ok"  # graded; ``passed`` says how it went
    MODEL_ERROR = "model_error"  # the model produced nothing gradable (bad output, broke the tool protocol)
    INFRA_ERROR = "infra_error"  # our side failed (API down, Postgres gone, harness timeout); never a model failure


class Reason(StrEnum):
    """Why a check failed or errored, decided where the failure happens."""

    TESTS_FAILED = "tests_failed"
    COLLECTION_ERROR = "collection_error"  # the hidden tests could not import the generated code
    TIMEOUT = "timeout"  # the generated code ran past the task's wall-clock limit
    RUNNER_CRASHED = "runner_crashed"  # the test process died without a report (e.g. the code called os._exit)
    REPORT_TAMPERED = "report_tampered"  # the graded code replaced the test report (a link, a device, not XML)
    RESOURCE_LIMIT = "resource_limit"  # the graded code exhausted a sandbox limit (e.g. filled its workspace)
    NOT_DURABLE = "not_durable"
    RULE_VIOLATIONS = "rule_violations"
    NO_TESTS_RAN = "no_tests_ran"
    EXIT_CODE_MISMATCH = "exit_code_mismatch"
    NO_REPORT = "no_report"
    SANDBOX_FAILED = "sandbox_failed"
    DATABASE_ERROR = "database_error"
    MODEL_API_ERROR = "model_api_error"
    MODEL_OUTPUT_INVALID = "model_output_invalid"
    HARNESS_ERROR = "harness_error"


INFRA_REASONS = frozenset({
    Reason.NO_TESTS_RAN, Reason.EXIT_CODE_MISMATCH, Reason.NO_REPORT, Reason.SANDBOX_FAILED,
    Reason.DATABASE_ERROR, Reason.MODEL_API_ERROR, Reason.HARNESS_ERROR,
})


@dataclass(frozen=True)
class TestOutcome:
    __test__ = False  # not a pytest test class

    passed: int
    total: int
    failing: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    pytest_s: float = 0.0  # pytest's own reported time, to separate harness overhead


@dataclass(frozen=True)
class Part:
    """One separately reported judgement inside a check (e.g. durability's ``no_repeat``)."""

    name: str
    passed: bool
    detail: str = ""


@dataclass(frozen=True)
class Check:
    """One grader's result. ``passed`` is None when the check errored (see ``status``) or is pending."""

    name: str
    passed: bool | None
    status: Status = Status.OK
    reason: Reason | None = None
    detail: str = ""
    duration_s: float = 0.0
    tests: TestOutcome | None = None
    violations: tuple[dict[str, Any], ...] = ()
    parts: tuple[Part, ...] = ()
    log: str | None = None  # path of the check's log, relative to the trial folder

    @classmethod
    def error(cls, name: str, reason: Reason, detail: str, **kw: Any) -> Check:
        status = Status.INFRA_ERROR if reason in INFRA_REASONS else Status.OK
        return cls(name, None if status is Status.INFRA_ERROR else False, status, reason, detail, **kw)


@dataclass(frozen=True)
class Verdict:
    status: Status
    passed: bool | None
    checks: tuple[Check, ...] = ()
    reason: Reason | None = None
    detail: str = ""
    score: float | None = None
    duration_s: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


# A trial passes when every gating check passed. The score (0..1) weighs every check that ran; the rules
# check scores 1 minus its severity-weighted violations over RULES_PENALTY_CAP, floored at 0.
GATING_CHECKS = frozenset({"hidden_tests", "durability"})
SCORE_WEIGHTS = {"hidden_tests": 0.6, "durability": 0.25, "rules": 0.15}
RULES_PENALTY_CAP = 6.0


def combine(checks: tuple[Check, ...], duration_s: float) -> Verdict:
    """Fold the checks into a verdict; any infra error makes the whole trial an infra error."""
    broken = next((c for c in checks if c.status is Status.INFRA_ERROR), None)
    if broken is not None:
        return Verdict(Status.INFRA_ERROR, None, checks, broken.reason, f"{broken.name}: {broken.detail}",
                       duration_s=duration_s)
    gating = [c for c in checks if c.name in GATING_CHECKS and c.passed is not None]
    failed = next((c for c in gating if not c.passed), None)
    scored = [c for c in checks if c.name in SCORE_WEIGHTS and c.passed is not None]
    total = sum(SCORE_WEIGHTS[c.name] for c in scored)
    score = sum(SCORE_WEIGHTS[c.name] * _fraction(c) for c in scored) / total if total else None
    return Verdict(Status.OK, failed is None and bool(gating), checks, failed.reason if failed else None,
                   f"{failed.name}: {failed.detail}" if failed else "",
                   None if score is None else round(score, 4), duration_s)


def _fraction(check: Check) -> float:
    if check.name == "rules":
        penalty = sum(SEVERITY_WEIGHTS.get(v.get("severity", ""), 1.0) for v in check.violations)
        return max(0.0, 1.0 - penalty / RULES_PENALTY_CAP)
    if check.tests is not None and check.tests.total:
        return check.tests.passed / check.tests.total
    return 1.0 if check.passed else 0.0
