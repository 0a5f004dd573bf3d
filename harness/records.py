"""A trial's record, the line of ``trials.jsonl``: the trial, its generation summary and its verdict."""

from __future__ import annotations

from typing import Any

from graders import Reason, Status, Verdict

GENERATION_REASONS = {"model_error": Reason.MODEL_OUTPUT_INVALID, "infra_error": Reason.MODEL_API_ERROR}


def generation_failed(generation: dict[str, Any]) -> dict[str, Any]:
    """The verdict of a trial whose generation failed: never graded, never counted as a test failure."""
    status = Status(generation["error_kind"])
    return Verdict(status, None, reason=GENERATION_REASONS[status.value], detail=generation["error"] or "").to_dict()


def harness_failed(stage: str, error: str) -> dict[str, Any]:
    return Verdict(Status.INFRA_ERROR, None, reason=Reason.HARNESS_ERROR, detail=f"{stage}: {error}").to_dict()


def build_record(trial: dict[str, Any], generation: dict[str, Any], verdict: dict[str, Any],
                 attempts: int) -> dict[str, Any]:
    checks = verdict.get("checks", [])
    tests = next((c["tests"] for c in checks if c["name"] == "hidden_tests" and c.get("tests")), None)
    violations = [v for c in checks if c["name"] == "rules" for v in c.get("violations", [])]
    durability = next((c for c in checks if c["name"] == "durability"), None)
    return {
        "trial_id": trial["trial_id"], "key": trial["key"], "workflow_id": trial.get("workflow_id"),
        "task_id": trial["task_id"], "task_hash": trial.get("task_hash"),
        "category": trial["category"], "model": trial["model"],
        "skill": {"label": trial["skill_label"], "hash": trial["skill_hash"]}, "arm": trial["arm"],
        "epoch": trial["epoch"], "status": verdict["status"], "passed": verdict["passed"],
        "reason": verdict.get("reason"), "detail": verdict.get("detail", ""), "score": verdict.get("score"),
        "tests": {"passed": tests["passed"], "total": tests["total"], "failing": list(tests["failing"]),
                  "pytest_s": tests["pytest_s"]} if tests else None,
        "durability": {"passed": durability["passed"], "parts": durability.get("parts", [])} if durability else None,
        "violations": violations,
        "checks": [{k: c.get(k) for k in ("name", "passed", "status", "reason", "detail", "duration_s", "log")}
                   for c in checks],
        "usage": generation.get("usage", {}), "skill_files_read": generation.get("skill_files_read", []),
        "skill_reads": generation.get("skill_reads", []),
        "generation_s": generation.get("duration_s", 0.0), "grading_s": verdict.get("duration_s", 0.0),
        "duration_s": round(generation.get("duration_s", 0.0) + verdict.get("duration_s", 0.0), 3),
        "attempts": attempts,
    }
