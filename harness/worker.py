"""``python run_eval.py worker --system-db URL``: one more machine (or process) working on runs' trials.

A coordinator (``run --system-db URL``) enqueues one workflow per trial on its own queue and records the
results; the generation and grading child workflows go on the shared ``generation`` and ``grading`` queues,
which every worker pointed at the same Postgres system database takes work from through DBOS. A worker
builds its own grading environment (runtime venv, sandbox, its own throwaway Postgres for trial databases),
loads the tasks and skills of its own checkout (a trial whose task or skill differs from the coordinator's,
by content hash, becomes an infra error naming it), and sends its files back in the steps' outputs
(``harness/transport.py``). Each trial's job (``harness/jobs.py``) names its run, its coordinator, the model's
parameters and the run's response cache (path and ``--no-cache``), which the worker uses instead of its own.
It runs until Ctrl-C or SIGTERM.

Executor ids: a worker's unfinished steps stay PENDING under its executor id and are recovered when a process
with that id starts again. The default id, ``worker-<host>-<n>`` with the first ``n`` free on this machine, makes
a restarted worker pick up where it died.
"""

from __future__ import annotations

import fcntl
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from rich.console import Console

from graders.postgres import redact
from harness import orchestrator
from harness.config import WorkerConfig
from harness.errors import UserError
from harness.executor import open_executor
from harness.jobs import TrialJob
from harness.models import ModelSettings, make_model, parse_model_id
from harness.models.cache import ResponseCache
from harness.results import replay_runs


def claim_executor_id(lock_dir: Path) -> tuple[str, IO[str]]:
    """``worker-<host>-<n>``, the lowest ``n`` no live worker on this machine holds (a file lock)."""
    lock_dir.mkdir(parents=True, exist_ok=True)
    host = "".join(c if c.isalnum() or c in "-." else "-" for c in socket.gethostname()) or "host"
    for n in range(1, 1000):
        lock = open(lock_dir / f"worker-{n}.lock", "w")  # noqa: SIM115 - held for the worker's life
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return f"worker-{host}-{n}", lock
        except BlockingIOError:
            lock.close()
    raise UserError(f"no free worker number on this machine (locks in {lock_dir})")


def model_builder(config: WorkerConfig) -> Callable[[TrialJob], Any]:
    """Builds the adapter a job names with the coordinator's mode and parameters and the run's response cache
    (its path and ``--no-cache``): the worker's own settings never decide what a run pays for. The step context keeps
    one adapter per model and cache setting."""
    lock = threading.Lock()

    def build(job: TrialJob) -> Any:
        with lock:
            model = job.trial.model
            settings = None
            if job.model:
                kind, name = parse_model_id(model)
                settings = ModelSettings(model, kind, name, job.model.mode, dict(job.model.params))
                if job.trial.settings and settings.fingerprint() != job.trial.settings:
                    raise LookupError(f"{model}: parameters differ from the coordinator's")
            cache = ResponseCache(Path(job.cache.path), read=job.cache.read)
            return make_model(model, settings, cache=cache, open_run=replay_runs(config.results_dir))

    return build


def run_worker(config: WorkerConfig, console: Console) -> int:
    lock = None
    executor_id = config.executor_id
    if executor_id is None:
        executor_id, lock = claim_executor_id(config.cache_dir / "executors")  # machine-wide
    try:
        with open_executor(config, console, grading=config.grading) as executor:
            stopped = (f"Worker {executor_id} stopped; steps it was running resume when a worker with "
                       f"--executor-id {executor_id} starts again.")
            with executor.stop_hard_on_interrupt(stopped):
                steps = orchestrator.StepContext(executor.tasks, executor.skills, executor.grading, None,
                                                 config.results_dir / executor_id, build_model=model_builder(config))
                orchestrator.serve(steps, config.system_db, executor_id, config.generation, config.grading)
                work = " and ".join(w for w, on in (("generating", config.generation), ("grading", config.grading))
                                    if on)
                console.print(f"Worker [bold]{executor_id}[/] {work} for runs in {redact(config.system_db)} "
                              f"({len(executor.tasks)} tasks, {len(executor.skills)} skill version(s)); Ctrl-C to "
                              "stop", soft_wrap=True)
                while True:
                    time.sleep(3600)
    finally:
        if lock is not None:
            lock.close()
