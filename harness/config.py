"""The run configuration, built once at the edge (flags and environment) into a frozen ``RunConfig``.

Environment variables are read here and nowhere else. API keys are only tested for presence: their values
never enter the config, the manifest, a log, or graded code.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import time
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from harness.errors import UserError
from harness.models.settings import (
    AGENT_TOOLS,
    ModelSettings,
    default_models,
    parse_model_id,
    parse_param,
    resolve_settings,
)
from harness.results import results_root
from harness.skills import ARM_NAMES, Arm, resolve_skill_spec

REPO = Path(__file__).resolve().parent.parent
PG_URL_ENV = "DBOS_EVAL_PG_URL"
SYSTEM_DB_ENV = "DBOS_EVAL_SYSTEM_DB"
KEY_ENVS = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY")
PROVIDER_KEYS = {"anthropic": "ANTHROPIC_API_KEY", "openai": "OPENAI_API_KEY"}
RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
MANIFEST_NAMES = {"task_patterns": "tasks", "use_cache": "response_cache"}  # run.json's names for two fields
NOT_IN_MANIFEST = frozenset({"keep_dbs", "results_dir", "cache_dir", "notices", "dry_run"})


@dataclass(frozen=True)
class RunConfig:
    run_id: str
    models: tuple[str, ...]
    arms: tuple[Arm, ...]
    skills: tuple[Path, ...]
    task_patterns: tuple[str, ...]
    epochs: int
    pg_url: str | None
    sandbox: str
    keep_dbs: bool
    slots: int
    generation_concurrency: int
    tasks_dir: Path
    results_dir: Path
    cache_dir: Path
    notices: tuple[str, ...] = field(default=())
    mode: str = "agent"  # real models: agent loop with file tools, or single-shot (whole files in fenced blocks)
    base_url: str | None = None  # for openai-compatible/<name> models
    max_cost: float | None = None  # USD of new API spend; no new trial is enqueued past it
    dry_run: bool = False
    use_cache: bool = True  # read the response cache (responses are always written to it)
    model_settings: dict[str, ModelSettings] = field(default_factory=dict)  # real models only
    system_db: str | None = None  # a shared Postgres system database: workers on other machines join the run
    workers_only: bool = False  # with system_db: this process enqueues and records; workers generate and grade
    agent_tools: str = "files"  # real models' agent tools: files, or exec (also run_command in the sandbox)
    docker_image: str | None = None  # with sandbox docker: the base of the runtime image (None: the default)

    @property
    def response_cache_dir(self) -> Path:
        return self.results_dir / "cache" / "responses"

    def manifest(self) -> dict[str, Any]:
        """What run.json records, derived from the fields (a new field is recorded without touching this):
        everything but secrets (Postgres URLs are redacted) and what only concerns this machine or session."""
        from graders.postgres import redact

        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in NOT_IN_MANIFEST:
                continue
            if f.name in ("pg_url", "system_db"):
                value = redact(value) if value else None
            elif f.name == "model_settings":
                value = {m: {"fingerprint": s.fingerprint(), **s.params} for m, s in value.items()}
            elif isinstance(value, tuple):
                value = [str(v) for v in value]
            elif isinstance(value, Path):
                value = str(value)
            out[MANIFEST_NAMES.get(f.name, f.name)] = value
        out["api_keys_present"] = list(keys_present())  # names only, never values
        return out


def keys_present() -> tuple[str, ...]:
    return tuple(name for name in KEY_ENVS if os.environ.get(name))


def default_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def build_config(*, run_id: str | None, models: list[str] | None, arms: list[str] | None,
                 skills: list[str] | None, tasks: str | None, epochs: int, pg_url: str | None, sandbox: str,
                 keep_dbs: bool, slots: int | None, generation_concurrency: int = 8, results_dir: str | None = None,
                 tasks_dir: str | None = None, mode: str = "agent", base_url: str | None = None,
                 max_cost: float | None = None, dry_run: bool = False, use_cache: bool = True,
                 params: dict | list[str] | None = None, system_db: str | None = None,
                 workers_only: bool = False, agent_tools: str = "files",
                 docker_image: str | None = None) -> RunConfig:
    """The run's configuration, checked (one-line user errors). ``params`` as ``--param KEY=VALUE`` strings or a
    dict. ``run``'s flags arrive through ``config_from_args``: each flag's dest is a parameter here."""
    if isinstance(params, list):
        params = dict(parse_param(p) for p in params)
    notices = []
    system_db = check_system_db(system_db)
    if workers_only and not system_db:
        raise UserError("--workers-only needs --system-db postgresql://... (the database workers join through)")
    if run_id is not None and not RUN_ID.match(run_id):
        raise UserError(f"--run-id {run_id!r}: use letters, digits, '.', '_' or '-' (at most 81 characters)")
    if epochs < 1:
        raise UserError(f"--epochs {epochs}: must be at least 1")
    if not models:
        present = keys_present()
        models = default_models(tuple(p for p, env in PROVIDER_KEYS.items() if env in present)) or ["reference"]
        if present:
            notices.append(f"{', '.join(present)} set: running {', '.join(models)} (choose with --model; defaults "
                           "and parameters in harness/models.toml)")
        else:
            notices.append("No API keys set (ANTHROPIC_API_KEY, OPENAI_API_KEY): running the offline "
                           "reference model on every task")
    if agent_tools not in AGENT_TOOLS:
        raise UserError(f"--agent-tools {agent_tools}: use {' or '.join(AGENT_TOOLS)}")
    params = {**(params or {}), **({"agent_tools": agent_tools} if agent_tools != "files" else {})}
    settings = model_settings(models, mode, base_url, params)
    if any(s.get("agent_tools") == "exec" for s in settings.values()):
        agent_tools = "exec"
        if sandbox == "none":
            raise UserError("--agent-tools exec runs the model's commands in the grading sandbox: it needs "
                            "--sandbox bwrap (with --sandbox none they would run as you, seeing the hidden tests)")
    elif agent_tools == "exec":
        notices.append("--agent-tools exec: no real model in this run (only real models use tools); ignored")
        agent_tools = "files"
    if max_cost is not None and max_cost <= 0:
        raise UserError(f"--max-cost {max_cost}: must be a positive amount of USD")
    if base_url and not any(s.provider == "openai-compatible" for s in settings.values()):
        raise UserError("--base-url is for openai-compatible/<name> models; add --model openai-compatible/<name> "
                        "(other providers take base_url from harness/models.toml)")
    arm_values = []
    for arm in arms or ["none", "inline"]:
        try:
            arm_values.append(Arm(arm))
        except ValueError:
            raise UserError(f"--arm {arm}: unknown arm (known: {ARM_NAMES})") from None
    skill_paths = tuple(resolve_skill_spec(s, results_root(results_dir) / "cache", REPO)
                        for s in (skills or [str(REPO / "skill")]))  # a directory or git:REV:PATH
    patterns = tuple(p.strip() for p in (tasks or "").split(",") if p.strip())
    if sandbox not in ("bwrap", "docker", "none"):
        raise UserError(f"--sandbox {sandbox}: use bwrap, docker or none")
    docker_image = docker_image or os.environ.get("DBOS_EVAL_DOCKER_IMAGE") or None
    if sandbox == "none":
        notices.append("WARNING: --sandbox none runs generated code unsandboxed, as you, with your files")
    if generation_concurrency < 1:
        raise UserError(f"--gen-concurrency {generation_concurrency}: must be at least 1")
    if slots is not None and slots < 1:
        raise UserError(f"--slots {slots}: must be at least 1")
    from graders.runtime import default_cache_dir

    return RunConfig(
        run_id=run_id or default_run_id(), models=tuple(dict.fromkeys(models)), arms=tuple(dict.fromkeys(arm_values)),
        skills=skill_paths, task_patterns=patterns, epochs=epochs,
        pg_url=pg_url or os.environ.get(PG_URL_ENV) or None, sandbox=sandbox, keep_dbs=keep_dbs,
        slots=slots or os.cpu_count() or 2, generation_concurrency=generation_concurrency,
        tasks_dir=Path(tasks_dir) if tasks_dir else REPO / "tasks",
        results_dir=results_root(results_dir),
        cache_dir=Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir()),
        notices=tuple(notices), mode=mode, base_url=base_url, max_cost=max_cost, dry_run=dry_run,
        use_cache=use_cache, model_settings=settings, system_db=system_db, workers_only=workers_only,
        agent_tools=agent_tools,
        docker_image=docker_image,
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """``run``'s parsed flags into a ``RunConfig``: every ``build_config`` parameter is read from the flag of
    the same dest, so a new flag is added to the parser, ``build_config`` and ``RunConfig`` only."""
    names = inspect.signature(build_config).parameters
    return build_config(**{name: getattr(args, name) for name in names if hasattr(args, name)})


def check_system_db(url: str | None) -> str | None:
    """``--system-db``: the Postgres database DBOS keeps workflows in, shared by a run's coordinator and its
    workers (``$DBOS_EVAL_SYSTEM_DB`` when not given)."""
    url = url or os.environ.get(SYSTEM_DB_ENV) or None
    if url and not url.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
        raise UserError(f"--system-db {url.split('://')[0]}://...: not a postgresql:// URL (workers on other "
                        "machines must reach it; the default SQLite file is for one machine)")
    return url


@dataclass(frozen=True)
class WorkerConfig:
    """``python run_eval.py worker``: what one worker process needs to generate and grade any run's trials."""

    system_db: str
    executor_id: str | None
    tasks_dir: Path
    skills: tuple[Path, ...]
    pg_url: str | None
    sandbox: str
    keep_dbs: bool
    results_dir: Path  # the worker's scratch (trial files); results travel to the coordinator, and the
    # response cache is the run's own (its path and --no-cache come with each trial's job)
    cache_dir: Path
    generation: bool = True
    grading: bool = True
    docker_image: str | None = None


def build_worker_config(*, system_db: str | None, executor_id: str | None, tasks_dir: str | None,
                        skills: list[str] | None, pg_url: str | None, sandbox: str, results_dir: str | None,
                        generation: bool = True, grading: bool = True,
                        docker_image: str | None = None) -> WorkerConfig:
    from graders.runtime import default_cache_dir

    url = check_system_db(system_db)
    if not url:
        raise UserError("worker: --system-db postgresql://... is required (the coordinator's `run --system-db`)")
    if executor_id is not None and not RUN_ID.match(executor_id):
        raise UserError(f"--executor-id {executor_id!r}: use letters, digits, '.', '_' or '-'")
    if not generation and not grading:
        raise UserError("worker: --no-generation and --no-grading together leave it nothing to do")
    results = Path(results_dir) if results_dir else results_root() / "worker"
    skill_paths = tuple(resolve_skill_spec(s, results / "cache", REPO) for s in (skills or [str(REPO / "skill")]))
    return WorkerConfig(url, executor_id, Path(tasks_dir) if tasks_dir else REPO / "tasks", skill_paths,
                        pg_url or os.environ.get(PG_URL_ENV) or None, sandbox, False, results,
                        Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir()), generation, grading,
                        docker_image or os.environ.get("DBOS_EVAL_DOCKER_IMAGE") or None)


def model_settings(models: list[str], mode: str, base_url: str | None, params: dict) -> dict[str, ModelSettings]:
    """Resolved parameters of each real model; a bad id, a missing key or a missing --base-url is a user error."""
    settings = {}
    for model in models:
        provider, _ = parse_model_id(model)
        key_env = PROVIDER_KEYS.get("anthropic" if provider == "claude-code" else provider)
        if key_env and not os.environ.get(key_env):
            raise UserError(f"--model {model}: {key_env} is not set (export it, or pick another --model)")
        if provider in ("anthropic", "openai", "openai-compatible", "claude-code"):
            settings[model] = resolve_settings(model, mode=mode, base_url=base_url, overrides=params)
        if provider == "claude-code":
            from harness.models.claude_code import missing_prerequisite

            if problem := missing_prerequisite():
                raise UserError(f"--model {model}: {problem}")
    return settings
