"""Grading: turn a workspace of generated code into a ``Verdict``. Never imports the harness package.

Graders plug in through one table, ``GRADERS`` (name -> function of a ``GradingContext`` returning a
``Check``); a task names the checks it wants in its ``task.toml``.
"""

from __future__ import annotations

import shutil
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import psycopg

from graders.context import GradingContext, GradingEnvironment
from graders.databases import TrialDatabase
from graders.durability import run_durability
from graders.errors import SetupError
from graders.hidden_tests import run_hidden_tests
from graders.spec import CrashExpect, CrashSpec, GradingSpec, KillWhen
from graders.static_rules import run_rules
from graders.verdict import Check, Reason, Status, TestOutcome, Verdict, combine

GRADERS: dict[str, Callable[[GradingContext], Check]] = {
    "rules": run_rules,
    "hidden_tests": run_hidden_tests,
    "durability": run_durability,
}
STATIC = frozenset({"rules"})  # checks that only read the files: no copy, no database, no sandbox uid
NO_DATABASE = TrialDatabase("", "", "")

__all__ = [
    "GRADERS",
    "Check",
    "CrashExpect",
    "CrashSpec",
    "GradingContext",
    "GradingEnvironment",
    "GradingSpec",
    "KillWhen",
    "Reason",
    "SetupError",
    "Status",
    "TestOutcome",
    "Verdict",
    "grade",
]


def grade(files: Path, spec: GradingSpec, env: GradingEnvironment, log_dir: Path, label: str) -> Verdict:
    """Grade the files under ``files`` (left untouched) for ``spec``; logs go to ``log_dir``.

    Each check gets its own copy of the files, its own database and its own sandbox uid, so one check's runs
    (the hidden tests' workflows, their side-effect files, their processes) never leak into another's
    judgement; hence the checks run at the same time (a durability check's waits overlap the hidden tests).
    Trial errors never escape: a failure of ours becomes an ``infra_error`` verdict with a reason.
    """
    started = time.perf_counter()
    log_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, len(spec.checks)), thread_name_prefix=f"grade-{label}") as pool:
        running = [pool.submit(_in_slot, name, files, spec, env, log_dir, label) for name in spec.checks]
        checks = tuple(future.result() for future in running)
    return combine(checks, time.perf_counter() - started)


def _in_slot(name: str, files: Path, spec: GradingSpec, env: GradingEnvironment, log_dir: Path,
             label: str) -> Check:
    """One check from claiming its uid to dropping its database: its ``duration_s`` is all of that."""
    started = time.perf_counter()
    if name in STATIC:  # reads ``files`` in place (never runs them)
        check = _run_check(name, GradingContext(env, spec, files, NO_DATABASE, log_dir, None))
        return replace(check, duration_s=time.perf_counter() - started)
    with env.sandbox.slot() as uid:
        check = _isolated(name, files, spec, env, log_dir, uid, label)
    return replace(check, duration_s=time.perf_counter() - started)


def _isolated(name: str, files: Path, spec: GradingSpec, env: GradingEnvironment, log_dir: Path,
              uid: int | None, label: str) -> Check:
    with env.sandbox.scratch(env.limits) as scratch:
        workspace = scratch / "workspace"
        shutil.copytree(files, workspace, symlinks=True, ignore=shutil.ignore_patterns("__pycache__"))
        env.sandbox.prepare_workspace(workspace, uid)
        try:
            database = env.databases.create(label, recreate=spec.recreate_database)
        except (psycopg.Error, SetupError) as exc:
            return Check.error(name, Reason.DATABASE_ERROR, _one_line(exc))
        try:
            epoch = env.server.started_at()
            ctx = GradingContext(env, spec, workspace, database, log_dir, uid)
            check = _run_check(name, ctx)
            if ctx.exceeded and not check.passed:  # we stopped it: whatever broke after is the limit's doing
                return Check(name, False, reason=Reason.RESOURCE_LIMIT, detail=ctx.exceeded[0],
                             duration_s=check.duration_s, log=check.log)
            return _unless_postgres_failed(check, env, epoch)
        except psycopg.Error as exc:
            return Check.error(name, Reason.DATABASE_ERROR, _one_line(exc))
        finally:
            _drop_quietly(env, database, log_dir)


def _run_check(name: str, ctx: GradingContext) -> Check:
    started = time.perf_counter()
    try:
        return GRADERS[name](ctx)
    except psycopg.Error as exc:
        return Check.error(name, Reason.DATABASE_ERROR, _one_line(exc), duration_s=time.perf_counter() - started)
    except Exception as exc:  # a grader's own bug must not be counted against the model
        (ctx.log_dir / f"{name}.harness_error.txt").write_text(traceback.format_exc())
        return Check.error(name, Reason.HARNESS_ERROR, _one_line(exc), duration_s=time.perf_counter() - started,
                           log=f"{name}.harness_error.txt")


def _unless_postgres_failed(check: Check, env: GradingEnvironment, epoch: str) -> Check:
    """A check that did not pass while Postgres restarted or went away under it failed because of us, not the
    model: it becomes an infra error (retried, never counted as a model failure)."""
    if check.passed or check.status is Status.INFRA_ERROR:
        return check
    try:
        restarted = env.server.started_at() != epoch
        problem = "Postgres restarted during the check" if restarted else ""
    except psycopg.Error as exc:
        problem = f"Postgres went away during the check ({_one_line(exc)})"
    if not problem:
        return check
    return Check.error(check.name, Reason.DATABASE_ERROR, f"{problem}; the check said: {check.detail}"[:500],
                       duration_s=check.duration_s, log=check.log)


def _drop_quietly(env: GradingEnvironment, database: TrialDatabase, log_dir: Path) -> None:
    """Teardown after grading (with ``keep_databases``, only the role's sessions end): a failure here does not
    change the verdict, but is logged."""
    try:
        if env.keep_databases:
            env.databases.end(database)
        else:
            env.databases.drop(database)
    except psycopg.Error as exc:
        (log_dir / "teardown_error.txt").write_text(f"dropping {database.name}: {_one_line(exc)}\n")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:300]
