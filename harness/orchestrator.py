"""Orchestration on DBOS: one durable workflow per trial (generate, grade, record) on a queue.

The workflow id is ``<run_id>:<trial key>``, so running the same run id again after a crash resumes: trials
that finished return their recorded result, a trial killed mid-way is recovered from its last completed step
(a paid generation is never repeated). The grading resources (Postgres, sandbox, runtime) are process state,
built in ``run`` before DBOS launches, because recovery starts executing workflows during ``DBOS.launch()``.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSConfig, SetWorkflowID

import graders
from graders import GradingEnvironment, Status
from harness import __version__
from harness.budget import Budget
from harness.generation import generate_trial
from harness.records import build_record, generation_failed, harness_failed
from harness.results import RunDir
from harness.skills import SkillVersion
from harness.tasks import Task
from harness.trials import Trial

TRIAL_QUEUE = "trials"  # parents: one per trial, mostly waiting on their children
GENERATION_QUEUE = "generation"  # I/O-bound model calls: many at once
GRADING_QUEUE = "grading"  # CPU-bound sandboxed grading: one per slot
GRADE_ATTEMPTS = 2  # an infra error while grading is retried once before it is recorded


@dataclass
class RunState:
    run_dir: RunDir
    tasks: dict[str, Task]
    skills: dict[str, SkillVersion]  # by hash
    grading: GradingEnvironment
    models: dict[str, Any] = field(default_factory=dict)  # model id -> Model, built once per run (shared clients)


_state: RunState | None = None


def _current() -> RunState:
    if _state is None:
        raise RuntimeError("the run's resources are not set up (call orchestrator.run)")
    return _state


def note_step(trial_dir: Path, event: str) -> None:
    """Append to the trial's audit trail (steps.log): every execution of a step, including re-executions."""
    trial_dir.mkdir(parents=True, exist_ok=True)
    with (trial_dir / "steps.log").open("a") as log:
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {event}\n")


@DBOS.step()
def generate_step(trial: dict[str, Any]) -> dict[str, Any]:
    state = _current()
    t = Trial.from_dict(trial)
    skill = state.skills.get(t.skill_hash) if t.skill_hash else None
    note_step(state.run_dir.trial_dir(t.trial_id), "generate")
    try:
        return generate_trial(t, state.tasks[t.task_id], skill, state.run_dir.trial_dir(t.trial_id),
                              state.models.get(t.model))
    except Exception as exc:  # an adapter's bug is ours, not the model's
        return {"error": f"{type(exc).__name__}: {exc}", "error_kind": "infra_error", "usage": {},
                "traceback": traceback.format_exc(), "duration_s": 0.0}


@DBOS.step()
def grade_step(trial: dict[str, Any], attempt: int) -> dict[str, Any]:
    state = _current()
    t = Trial.from_dict(trial)
    trial_dir = state.run_dir.trial_dir(t.trial_id)
    log_dir = trial_dir / "logs" if attempt == 1 else trial_dir / f"logs.attempt{attempt}"
    note_step(trial_dir, f"grade attempt={attempt}")
    try:
        verdict = graders.grade(trial_dir / "files", state.tasks[t.task_id].grading, state.grading, log_dir, t.key)
    except Exception as exc:
        return harness_failed("grading", f"{type(exc).__name__}: {exc}")
    return verdict.to_dict()


@DBOS.step()
def record_step(record: dict[str, Any]) -> None:
    _current().run_dir.append_record(record)


@DBOS.workflow()
def generate_workflow(trial: dict[str, Any]) -> dict[str, Any]:
    return generate_step(trial)


@DBOS.workflow()
def grade_workflow(trial: dict[str, Any], attempt: int) -> dict[str, Any]:
    return grade_step(trial, attempt)


@DBOS.workflow()
def trial_workflow(trial: dict[str, Any]) -> dict[str, Any]:
    """Generation and grading run as child workflows on their own queues, so slow model calls never idle
    the graders and a grading backlog never holds up generation."""
    generation = DBOS.enqueue_workflow(GENERATION_QUEUE, generate_workflow, trial).get_result()
    attempts = 0
    if generation.get("error_kind"):
        verdict = generation_failed(generation)
    else:
        for attempt in range(1, GRADE_ATTEMPTS + 1):
            attempts = attempt
            verdict = DBOS.enqueue_workflow(GRADING_QUEUE, grade_workflow, trial, attempt).get_result()
            if verdict["status"] != Status.INFRA_ERROR:
                break
    record = build_record(trial, generation, verdict, attempts)
    record_step(record)
    return record


def launch(system_db: str, slots: int, generation_concurrency: int) -> None:
    """Configure and launch DBOS for the harness itself, then register its queues (3.x: after launch)."""
    config: DBOSConfig = {
        "name": "dbos-skill-eval",
        "system_database_url": system_db,
        "application_version": __version__,
        "log_level": "WARNING",
    }
    DBOS(config=config)
    DBOS.launch()
    queues = {TRIAL_QUEUE: 2 * (generation_concurrency + slots), GENERATION_QUEUE: generation_concurrency,
              GRADING_QUEUE: slots}
    for name, concurrency in queues.items():
        DBOS.register_queue(name, worker_concurrency=concurrency, polling_interval_sec=0.2,
                            on_conflict="always_update")


def run(state: RunState, trials: list[Trial], system_db: str, slots: int, generation_concurrency: int,
        progress: Callable[[int, int], None], budget: Callable[[set[str]], Budget] | None = None
        ) -> list[dict[str, Any]]:
    """Enqueue every trial (idempotently, by workflow id) and wait for all of them; returns the records. With a
    ``budget`` (built from the trial keys already recorded), a trial is enqueued only when the budget admits it;
    once it stops admitting, the trials in flight finish and the rest are left for a later run."""
    global _state
    _state = state
    launch(system_db, slots, generation_concurrency)
    try:
        prefix = f"{state.run_dir.run_id}:"
        ids = workflow_ids(state.run_dir, trials)
        gate = budget({r["key"] for r in state.run_dir.records()}) if budget else None
        waiting, enqueued = list(trials), set()
        wanted = set(ids.values())
        while True:
            records = {r["key"]: r for r in state.run_dir.records()} if gate else {}
            while waiting and (gate is None or gate.admit(waiting[0].key, records)):
                trial = waiting.pop(0)
                workflow_id = ids[trial.key]
                with SetWorkflowID(workflow_id):
                    DBOS.enqueue_workflow(TRIAL_QUEUE, trial_workflow, {**trial.to_dict(), "workflow_id": workflow_id})
                enqueued.add(workflow_id)
            rows = DBOS.list_workflows(workflow_id_prefix=prefix, load_input=False, load_output=False)
            finished = {w.workflow_id for w in rows if w.status not in ("PENDING", "ENQUEUED", "DELAYED")}
            progress(len(finished & wanted), len(wanted))
            if enqueued <= finished and not waiting:
                break
            if enqueued <= finished and gate is not None and gate.stopped:
                break  # over budget and nothing in flight: the waiting trials are left for a later run
            time.sleep(0.3)
        by_id = {ids[t.key]: t for t in trials}
        for w in rows:  # a workflow that raised is a harness bug: keep it visible as an infra error
            if w.workflow_id in enqueued and w.status != "SUCCESS":
                trial = {**by_id[w.workflow_id].to_dict(), "workflow_id": w.workflow_id}
                state.run_dir.append_record(build_record(trial, {}, harness_failed("workflow", str(w.error)), 0))
    finally:
        DBOS.destroy()
        _state = None
    keys = {t.key for t in trials}
    return [r for r in state.run_dir.records() if r["key"] in keys]


def workflow_ids(run_dir: RunDir, trials: list[Trial]) -> dict[str, str]:
    """``<run_id>:<key>``; a trial recorded as an infra error gets a fresh id (and its record is dropped), so a
    rerun of the same run id retries exactly the infra errors and reuses everything else."""
    previous = {r["key"]: r for r in run_dir.records()}
    retry = {k for k, r in previous.items() if r["status"] == Status.INFRA_ERROR}
    run_dir.drop_records(retry)
    ids = {}
    for trial in trials:
        base = f"{run_dir.run_id}:{trial.key}"
        old = previous.get(trial.key, {}).get("workflow_id", base)
        round_ = int(old.rsplit(":r", 1)[1]) if ":r" in old.removeprefix(base) else 0
        ids[trial.key] = f"{base}:r{round_ + 1}" if trial.key in retry else old
    return ids


def system_db_url(results_dir: Path) -> str:
    results_dir.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{results_dir.resolve() / 'dbos_system.sqlite'}"
