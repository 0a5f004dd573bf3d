"""Orchestration on DBOS: one durable workflow per trial (generate, grade, record) on a queue.

The workflow id is ``<run_id>:<trial key>``, so running the same run id again after a crash resumes: trials
that finished return their recorded result, a trial killed mid-way is recovered from its last completed step
(a paid generation is never repeated). The grading resources (Postgres, sandbox, runtime) are process state,
built in ``run`` before DBOS launches, because recovery starts executing workflows during ``DBOS.launch()``.

A run owns its trials: each workflow's input is a ``TrialJob`` (``harness/jobs.py``) naming its run, and the
record goes to that run's folder; recovery is scoped to the run by its own system database (or, in
distributed mode, its own executor id and trial queue: ``harness/runs.py``).
"""

from __future__ import annotations

import json
import os
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from dbos import DBOS, DBOSConfig, SetWorkflowID

import graders
from graders import GradingEnvironment, Status
from harness import __version__
from harness.budget import Budget
from harness.generation import generate_trial
from harness.jobs import CacheSpec, ModelSpec, TrialJob
from harness.models import read_tree
from harness.records import GenerationOutcome, Graded, TrialRecord
from harness.results import RunDir
from harness.runs import UNFINISHED, executor_id_of
from harness.skills import SkillVersion
from harness.tasks import Task
from harness.transport import pack, unpack
from harness.trials import Trial, task_hash

TRIAL_QUEUE = "trials"  # parents: one per trial, mostly waiting on their children
GENERATION_QUEUE = "generation"  # I/O-bound model calls: many at once
GRADING_QUEUE = "grading"  # CPU-bound sandboxed grading: one per slot
GRADE_ATTEMPTS = 2  # an infra error while grading is retried once before it is recorded


@dataclass
class StepContext:
    """What this process executes steps with — a coordinator that grades and a worker alike: the tasks and
    skills of its checkout, its grading environment and its model adapters. Nothing of any run's coordination
    is here (that is ``Coordinator``'s): a step learns its run, coordinator, model parameters and cache from
    its ``TrialJob``.

    DBOS calls steps as module functions, so ``launch`` binds the process's one context for them to find
    (``_steps``); a worker's context is the only one its process has, and a coordinator's holds no run state."""

    tasks: dict[str, Task]
    skills: dict[str, SkillVersion]  # by hash
    grading: GradingEnvironment | None  # None on a coordinator that leaves grading to workers
    results_dir: Path | None  # where this process's own runs are; None on a worker (it coordinates none)
    scratch: Path  # trial files of other processes' trials (they travel back in the steps' outputs)
    models: dict[Any, Any] = field(default_factory=dict)  # model id (a worker: model and cache) -> Model
    build_model: Callable[[TrialJob], Any] | None = None  # a worker builds the models its trials need
    runs: dict[str, RunDir] = field(default_factory=dict)  # one RunDir per run id: its lock and parsed records
    _hashes: dict[str, str] = field(default_factory=dict, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def trial_dir(self, job: TrialJob) -> Path:
        """Where this executor keeps the trial's files: the run's own folder when this process is the
        trial's coordinator, else a scratch folder whose files travel back in the step's output."""
        if self.results_dir is not None and not _remote(job):
            return self.record_into(job).trial_dir(job.trial.trial_id)
        return RunDir(self.scratch, job.run_id).trial_dir(job.trial.trial_id)

    def record_into(self, job: TrialJob) -> RunDir:
        """The run named by the trial's own job, never merely the run this process started; one ``RunDir`` per
        run, so concurrent record steps share its lock and its parsed records (an append never re-reads)."""
        with self._lock:
            if job.run_id not in self.runs:
                root = self.results_dir if self.results_dir is not None else self.scratch
                self.runs[job.run_id] = RunDir(root, job.run_id)
            return self.runs[job.run_id]

    def task(self, job: TrialJob) -> Task:
        """The trial's task, checked to be the coordinator's version of it (a worker loads its own copy)."""
        trial = job.trial
        task = self.tasks.get(trial.task_id)
        if task is not None and task.id not in self._hashes:
            self._hashes[task.id] = task_hash(task)
        if task is None or (trial.task_hash and self._hashes[task.id] != trial.task_hash):
            raise LookupError(f"this executor's tasks/{trial.task_id} is missing or differs from the "
                              "coordinator's: give it the same checkout (and --tasks-dir)")
        return task

    def model(self, job: TrialJob) -> Any:
        if self.build_model is None:
            return self.models.get(job.trial.model)
        spec = json.dumps(job.model.to_json(), sort_keys=True, default=str) if job.model else None
        key = (job.trial.model, job.cache, spec)  # runs may differ in parameters (base URL too) or cache
        if key not in self.models:
            self.models[key] = self.build_model(job)
        return self.models[key]


@dataclass(frozen=True)
class Coordinator:
    """One run's coordination, held by ``run`` alone: its folder (records, budget), the real models' mode and
    parameters and the response cache settings that every job carries to whoever executes it."""

    run_dir: RunDir
    cache: CacheSpec
    model_specs: Mapping[str, ModelSpec] = field(default_factory=dict)


_steps: StepContext | None = None  # bound by ``launch`` for DBOS's module-level steps (see StepContext)


def _context() -> StepContext:
    if _steps is None:
        raise RuntimeError("this process's step context is not bound (orchestrator.launch binds it)")
    return _steps


def note_step(trial_dir: Path, event: str) -> None:
    """Append to the trial's audit trail (steps.log): every execution of a step, including re-executions."""
    trial_dir.mkdir(parents=True, exist_ok=True)
    with (trial_dir / "steps.log").open("a") as log:
        log.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {event}\n")


def _remote(job: TrialJob) -> bool:
    """This step runs on another executor than the trial's coordinator: its files must travel back."""
    return job.coordinator != DBOS.executor_id


@DBOS.step()
def generate_step(data: dict[str, Any]) -> dict[str, Any]:
    """Returns a ``GenerationOutcome`` in its JSON form."""
    steps = _context()
    job = TrialJob.from_json(data)
    t = job.trial
    skill = steps.skills.get(t.skill_hash) if t.skill_hash else None
    trial_dir = steps.trial_dir(job)
    note_step(trial_dir, "generate")
    try:
        if t.skill_hash and skill is None:
            raise LookupError(f"this executor lacks skill {t.skill_label} ({t.skill_hash[:12]}): pass it --skill")
        outcome = generate_trial(t, steps.task(job), skill, trial_dir, steps.model(job), steps.grading)
    except Exception as exc:  # an adapter's bug (or a worker missing what the trial needs) is ours, not the model's
        return GenerationOutcome.harness_error(exc, traceback.format_exc()).to_json()
    shipped = pack(trial_dir, ["transcript.json"]) if _remote(job) else None
    # the workspace travels with the outcome: grading may run on another machine
    return replace(outcome, workspace=read_tree(trial_dir / "files", errors="replace"), shipped=shipped).to_json()


@DBOS.step()
def grade_step(data: dict[str, Any], attempt: int, workspace: dict[str, str] | None = None) -> dict[str, Any]:
    """Returns a ``Graded`` in its JSON form."""
    steps = _context()
    job = TrialJob.from_json(data)
    trial_dir = steps.trial_dir(job)
    log_dir = trial_dir / "logs" if attempt == 1 else trial_dir / f"logs.attempt{attempt}"
    note_step(trial_dir, f"grade attempt={attempt}")
    try:
        if workspace is not None and not (trial_dir / "files").is_dir():  # generated on another machine
            unpack(trial_dir / "files", workspace)
        if steps.grading is None:
            raise RuntimeError("this executor does not grade (a coordinator started with --workers-only)")
        verdict = graders.grade(trial_dir / "files", steps.task(job).grading, steps.grading, log_dir, job.trial.key)
    except Exception as exc:
        return Graded.harness_failed("grading", f"{type(exc).__name__}: {exc}").to_json()
    shipped = pack(trial_dir, [log_dir.name]) if _remote(job) else None
    return replace(Graded.of(verdict), shipped=shipped).to_json()


@DBOS.step()
def store_step(data: dict[str, Any], shipped: dict[str, str]) -> None:
    """Files a step on another machine produced, into the trial's run folder."""
    unpack(_context().trial_dir(TrialJob.from_json(data)), shipped)


@DBOS.step()
def record_step(data: dict[str, Any], record: dict[str, Any]) -> None:
    """Into the run the job names (``results/runs/<job.run_id>``), whichever process executes it."""
    _context().record_into(TrialJob.from_json(data)).append_record(TrialRecord.from_json(record))


@DBOS.workflow()
def generate_workflow(data: dict[str, Any]) -> dict[str, Any]:
    return generate_step(data)


@DBOS.workflow()
def grade_workflow(data: dict[str, Any], attempt: int, workspace: dict[str, str] | None = None) -> dict[str, Any]:
    return grade_step(data, attempt, workspace)


@DBOS.workflow()
def trial_workflow(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` is a ``TrialJob`` in its JSON form. Generation and grading run as child workflows on their
    own queues, so slow model calls never idle the graders and a grading backlog never holds up generation.
    Either may run on another machine (a ``worker``): its files then come back in its output and are stored
    here before the trial is recorded."""
    job = TrialJob.from_json(data)
    generation = GenerationOutcome.from_json(
        DBOS.enqueue_workflow(GENERATION_QUEUE, generate_workflow, data).get_result())
    if generation.shipped:
        store_step(data, {**generation.shipped, **{f"files/{k}": v for k, v in generation.workspace.items()}})
    attempts = 0
    if generation.error_kind:
        graded = Graded.generation_failed(generation)
    else:
        for attempt in range(1, GRADE_ATTEMPTS + 1):
            attempts = attempt
            graded = Graded.from_json(DBOS.enqueue_workflow(GRADING_QUEUE, grade_workflow, data, attempt,
                                                            dict(generation.workspace)).get_result())
            if graded.shipped:
                store_step(data, dict(graded.shipped))
            if graded.status != Status.INFRA_ERROR:
                break
    record = TrialRecord.build(job, generation, graded, attempts).to_json()
    record_step(data, record)
    return record


def launch(steps: StepContext, system_db: str, slots: int, generation_concurrency: int, *,
           executor_id: str | None = None, listen: list[str] | None = None,
           trial_queue: str | None = TRIAL_QUEUE) -> None:
    """Bind ``steps``, configure and launch DBOS for the harness itself, then register its queues (3.x: after
    launch). The binding comes first: recovery starts executing workflows during ``DBOS.launch()``.

    Queue concurrency lives in the system database and is per executor: in a distributed run every process
    (the coordinator and each worker) grades up to ``slots`` trials and makes ``generation_concurrency``
    model calls at once. ``listen`` limits which queues this process takes work from; ``trial_queue`` None
    (a worker) registers nothing and uses what the coordinators registered."""
    global _steps
    _steps = steps
    config: DBOSConfig = {
        "name": "dbos-skill-eval",
        "system_database_url": system_db,
        "application_version": __version__,
        "log_level": "WARNING",
    }
    if executor_id:
        config["executor_id"] = executor_id
    DBOS(config=config)
    if listen is not None:
        DBOS.listen_queues(listen)
    DBOS.launch()
    if trial_queue is None:
        return
    queues = {trial_queue: 2 * (generation_concurrency + slots), GENERATION_QUEUE: generation_concurrency,
              GRADING_QUEUE: slots}
    for name, concurrency in queues.items():
        DBOS.register_queue(name, worker_concurrency=concurrency, polling_interval_sec=0.2,
                            on_conflict="always_update")


def shutdown() -> None:
    """Destroy DBOS and unbind the step context (the end of a coordinator's run, or a benchmark's)."""
    global _steps
    DBOS.destroy()
    _steps = None


def serve(steps: StepContext, system_db: str, executor_id: str, generation: bool = True,
          grading: bool = True) -> None:
    """A worker: take generation and grading work of any run from the shared system database."""
    listen = [q for q, on in ((GENERATION_QUEUE, generation), (GRADING_QUEUE, grading)) if on]
    launch(steps, system_db, 0, 0, executor_id=executor_id, listen=listen, trial_queue=None)


def run(coordinator: Coordinator, steps: StepContext, trials: list[Trial], system_db: str, slots: int,
        generation_concurrency: int, progress: Callable[[int, int], None],
        budget: Callable[[set[str]], Budget] | None = None, distributed: bool = False,
        workers_only: bool = False) -> list[TrialRecord]:
    """Enqueue every trial (idempotently, by workflow id) and wait for all of them; returns the records. With a
    ``budget`` (built from the trial keys already recorded), a trial is enqueued only when the budget admits it;
    once it stops admitting, the trials in flight finish and the rest are left for a later run.

    The coordinator's executor id and trial queue are the run's own (``run-<id>``, ``trials-<id>``): what
    ``DBOS.launch()`` recovers and what this process dequeues is this run's and nothing else, whether
    ``system_db`` is the run's own SQLite file or (``distributed``) a Postgres database that coordinators of
    other runs and workers share (``harness/runs.py`` says why). ``workers_only`` leaves generation and
    grading to workers."""
    run_dir = coordinator.run_dir
    run_id = run_dir.run_id
    trial_queue = f"{TRIAL_QUEUE}-{run_id}"
    listen = None if not distributed else [trial_queue] + ([] if workers_only else [GENERATION_QUEUE, GRADING_QUEUE])
    launch(steps, system_db, slots, generation_concurrency, executor_id=executor_id_of(run_id), listen=listen,
           trial_queue=trial_queue)
    try:
        prefix = f"{run_id}:"
        cache = coordinator.cache
        ids = workflow_ids(run_dir, trials)
        gate = budget({r.key for r in run_dir.records()}) if budget else None
        waiting, enqueued = list(trials), set()
        wanted = set(ids.values())
        finished_before = {w.workflow_id for w in _trial_workflows(prefix) if w.status not in UNFINISHED}
        while True:
            records = {r.key: r for r in run_dir.records()} if gate else {}
            while waiting and (gate is None or gate.admit(waiting[0].key, records)):
                trial = waiting.pop(0)
                job = TrialJob(run_id, DBOS.executor_id, ids[trial.key], trial, cache,
                               coordinator.model_specs.get(trial.model))
                with SetWorkflowID(job.workflow_id):
                    DBOS.enqueue_workflow(trial_queue, trial_workflow, job.to_json())
                enqueued.add(job.workflow_id)
            active = {w.workflow_id for w in _trial_workflows(prefix, UNFINISHED)}  # only what is in flight:
            finished = (finished_before | enqueued) - active  # listing every workflow each poll costs O(trials)
            progress(len(finished & wanted), len(wanted))
            if enqueued <= finished and not waiting:
                break
            if enqueued <= finished and gate is not None and gate.stopped:
                break  # over budget and nothing in flight: the waiting trials are left for a later run
            time.sleep(0.3)
        by_id = {ids[t.key]: t for t in trials}
        recorded = {r.key for r in run_dir.records()}
        for w in _trial_workflows(prefix):
            if w.workflow_id not in enqueued or by_id[w.workflow_id].key in recorded:
                continue
            if w.status == "SUCCESS":  # finished, but its record was lost (e.g. trials.jsonl cut): the output has it
                run_dir.append_record(TrialRecord.from_json(DBOS.retrieve_workflow(w.workflow_id).get_result()))
            else:  # a workflow that raised is a harness bug: keep it visible as an infra error
                job = TrialJob(run_id, DBOS.executor_id, w.workflow_id, by_id[w.workflow_id], cache)
                failed = Graded.harness_failed("workflow", str(w.error))
                run_dir.append_record(TrialRecord.build(job, None, failed, 0))
    finally:
        shutdown()
    keys = {t.key for t in trials}
    return [r for r in run_dir.records() if r.key in keys]


def _trial_workflows(prefix: str, status: tuple[str, ...] | None = None) -> list[Any]:
    """The run's trial workflows (not their generation and grading children), optionally of some statuses."""
    return DBOS.list_workflows(workflow_id_prefix=prefix, has_parent=False, status=list(status) if status else None,
                               load_input=False, load_output=False)


def workflow_ids(run_dir: RunDir, trials: list[Trial]) -> dict[str, str]:
    """``<run_id>:<key>``; a trial recorded as an infra error gets a fresh id (and its record is dropped), so a
    rerun of the same run id retries exactly the infra errors and reuses everything else."""
    previous = {r.key: r for r in run_dir.records()}
    retry = {k for k, r in previous.items() if r.status == Status.INFRA_ERROR}
    run_dir.drop_records(retry)
    ids = {}
    for trial in trials:
        base = f"{run_dir.run_id}:{trial.key}"
        earlier = previous.get(trial.key)
        old = earlier.workflow_id if earlier is not None and earlier.workflow_id else base
        round_ = int(old.rsplit(":r", 1)[1]) if ":r" in old.removeprefix(base) else 0
        ids[trial.key] = f"{base}:r{round_ + 1}" if trial.key in retry else old
    return ids
