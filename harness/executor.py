"""One place that assembles an executor — the coordinator of a run or a worker — and owns what happens on Ctrl-C.

``open_executor(config, console)`` loads the tasks and skills once, opens the grading environment (unless
this process leaves grading to others) and hands back an ``Executor``; ``runner`` and ``worker`` are thin
callers of it. Its ``stop_hard_on_interrupt`` is the one interrupt policy: Ctrl-C (or SIGTERM, which
``cli`` turns into one) is a clean crash — stop Postgres, sweep our scratch, print where things stand, exit
130 at once. Steps in flight are never checkpointed, so resuming re-runs exactly them; sandboxes die with us
(parent-death signal; docker containers are removed first, and those of a harness that died without that are
swept when the next one opens docker: ``graders/docker_sandbox.py``).
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from graders import GradingEnvironment
from graders.docker_sandbox import DockerSandbox, release_owner
from graders.sandbox import sweep_scratch
from harness.config import RunConfig, WorkerConfig
from harness.skills import SkillVersion, load_skill
from harness.tasks import Task, load_tasks


@dataclass(frozen=True)
class Executor:
    """What a coordinator or worker works with: its tasks (by id), skills (by hash) and grading environment
    (None when this process does not grade)."""

    tasks: dict[str, Task]
    skills: dict[str, SkillVersion]
    grading: GradingEnvironment | None

    @contextmanager
    def stop_hard_on_interrupt(self, message: str) -> Iterator[None]:
        """The interrupt policy: on Ctrl-C, stop our Postgres and scratch, print ``message``, exit 130."""
        try:
            yield
        except KeyboardInterrupt:
            if self.grading is not None:
                logging.getLogger("dbos").disabled = True  # steps in flight now fail against a destroyed DBOS
                release_owner()
                self.grading.server.stop()
                sweep_scratch(ours=True)
            print(f"\n{message}", file=sys.stderr, flush=True)
            os._exit(130)


def interrupted_run_message(run_id: str | None, where: object | None = None) -> str:
    """What an interrupted run prints, wherever the interrupt lands (before or while it executes)."""
    saved = f"finished trials are saved in {where}" if where else "finished trials are saved"
    resume = f"python run_eval.py run --run-id {run_id} (and the same flags)" if run_id else "the same --run-id"
    return f"Interrupted; {saved}. Resume with: {resume}"


def load_skills(paths: Iterable[Path]) -> list[SkillVersion]:
    """The skill versions, loaded once; two versions with the same label get their hash in the label."""
    skills = [load_skill(p) for p in paths]
    labels = [s.label for s in skills]
    return [SkillVersion(f"{s.label}-{s.hash[:6]}", s.path, s.hash, s.name, s.description, s.files)
            if labels.count(s.label) > 1 else s for s in skills]


def load_run_inputs(config: RunConfig) -> tuple[list[Task], list[SkillVersion]]:
    """A run's tasks (its ``--tasks`` patterns) and skills."""
    return load_tasks(config.tasks_dir, config.task_patterns), load_skills(config.skills)


@contextmanager
def open_executor(config: RunConfig | WorkerConfig, console: Console, *, grading: bool,
                  tasks: list[Task] | None = None, skills: list[SkillVersion] | None = None) -> Iterator[Executor]:
    """The executor for ``config``: ``tasks``/``skills`` as already loaded (a coordinator loads them before it
    prints its estimate), else loaded here; a grading environment when ``grading``."""
    tasks = tasks if tasks is not None else load_tasks(config.tasks_dir)
    skills = skills if skills is not None else load_skills(config.skills)
    by_id, by_hash = {t.id: t for t in tasks}, {s.hash: s for s in skills}
    if not grading:
        yield Executor(by_id, by_hash, None)
        return
    with GradingEnvironment.open(config.sandbox, cache_dir=config.cache_dir, pg_url=config.pg_url,
                                 keep_databases=config.keep_dbs, announce=console.status,
                                 docker_image=config.docker_image) as env:
        if isinstance(env.sandbox, DockerSandbox) and env.sandbox.swept:
            console.print(f"Removed {env.sandbox.swept} docker container(s) left by harness processes that died",
                          highlight=False)
        yield Executor(by_id, by_hash, env)
