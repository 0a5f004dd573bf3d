"""A whole run, top to bottom: load, expand, set up grading, orchestrate, report."""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass

from rich.console import Console

from graders.postgres import redact
from harness import orchestrator, runs
from harness.analysis import RunAnalysis, analyze
from harness.budget import Budget, prior_estimates
from harness.config import RunConfig
from harness.errors import UserError
from harness.executor import interrupted_run_message, load_run_inputs, open_executor
from harness.jobs import CacheSpec, ModelSpec
from harness.models import Model, make_model
from harness.models.cache import ResponseCache
from harness.models.pricing import load_prices
from harness.progress import run_progress
from harness.records import TrialRecord
from harness.report import terminal_table, write_report
from harness.results import RunDir, replay_runs
from harness.skills import SkillVersion
from harness.stats import DEFAULT_TEST
from harness.tasks import Task
from harness.trials import Trial, expand


def build_models(config: RunConfig) -> dict[str, Model]:
    """One adapter per model id for the whole run (SDK clients and their connection pools are shared by the
    concurrent generations); an unknown id or a missing replay run fails here, before anything starts."""
    cache = ResponseCache(config.response_cache_dir.resolve(), read=config.use_cache)
    return {m: make_model(m, config.model_settings.get(m), cache=cache, open_run=replay_runs(config.results_dir))
            for m in config.models}


@dataclass(frozen=True)
class Evaluation:
    """What a run ends with: its exit code and the analysis its report was written from (None for --dry-run)."""

    code: int
    analysis: RunAnalysis | None = None


def run_evaluation(config: RunConfig, console: Console) -> int:
    return evaluate(config, console).code


def evaluate(config: RunConfig, console: Console, test: str = DEFAULT_TEST) -> Evaluation:
    """A whole run; its report's analysis decides with ``test`` and is computed once (``nightly`` reuses it)."""
    models = build_models(config)
    tasks, skills = load_run_inputs(config)
    fingerprints = {m: s.fingerprint() for m, s in config.model_settings.items()}
    trials = expand(tasks, config.models, config.arms, skills, config.epochs, fingerprints)
    for notice in config.notices:
        console.print(notice, soft_wrap=True)
    run_dir = RunDir(config.results_dir, config.run_id)
    run_dir.records()  # a damaged trials.jsonl of a run being resumed stops us here, before anything starts
    if not config.dry_run:
        runs.check_startable(run_dir)  # abandoned, or in progress in another process: one line, exit 2
        runs.check_free(run_dir)
    console.print(f"Run [bold]{config.run_id}[/]: {len(trials)} trials ({len(tasks)} tasks x "
                  f"{len(config.models)} model(s) x arms x {config.epochs} epoch(s)); output in {run_dir.root}")
    prices = load_prices()
    estimates = prior_estimates(trials, {t.id: t for t in tasks}, {s.hash: s for s in skills},
                                config.model_settings, prices)
    unpriced = sorted({t.model for t in trials if estimates[t.key] is None})
    if unpriced and config.max_cost is not None:
        raise UserError(f"--max-cost: no price for {', '.join(unpriced)} in {prices.source} (add one, or drop "
                        "--max-cost)")
    if unpriced:
        console.print(f"No price for {', '.join(unpriced)} in {prices.source}: its cost shows as unknown")
    if config.dry_run:
        print_estimate(console, run_dir, trials, estimates)
        return Evaluation(0)
    budget = None
    max_cost = config.max_cost
    if max_cost is not None:
        priced = {key: cost or 0.0 for key, cost in estimates.items()}  # every one priced: checked above

        def on_stop(b: Budget) -> None:
            console.print(f"[yellow]--max-cost ${max_cost:.2f}[/]: spent ${b.spent_usd:.4f} + committed "
                          f"${b.committed_usd:.4f} to trials in flight; no new trial is started")

        def budget(done: set[str]) -> Budget:
            return Budget.for_trials(max_cost, trials, priced, done, on_stop)
    records = execute(config, console, run_dir, tasks, skills, trials, models, budget)
    if len(records) < len(trials):
        spent = sum(t.usage.get("spent_usd", 0.0) for t in records)
        console.print(f"Stopped at --max-cost ${config.max_cost:.2f}: {len(trials) - len(records)} of {len(trials)} "
                      f"trials not started (${spent:.4f} spent in this run). Continue with the same --run-id "
                      "and a larger --max-cost.")
    result = analyze(records, test=test)
    report = write_report(run_dir.root, config.run_id, run_dir.read_manifest(), records, result)
    console.print(terminal_table(records))
    infra = [t for t in records if t.status == "infra_error"]
    passed = sum(1 for t in records if t.passed)
    console.print(f"{passed}/{len(records)} trials passed; {len(infra)} infra error(s). Report: {report}")
    if infra:
        console.print(f"Infra errors are not model failures; rerun them with: python run_eval.py run "
                      f"--run-id {config.run_id} ...")
        return Evaluation(1, result)
    return Evaluation(1 if len(records) < len(trials) else 0, result)


def print_estimate(console: Console, run_dir: RunDir, trials: list[Trial], estimates: dict[str, float | None]) -> None:
    """``--dry-run``: the trials and a rough cost estimate per model and arm, before anything is spent."""
    from rich.table import Table

    done = {r.key for r in run_dir.records()}
    table = Table(title="Dry run: nothing is called or graded")
    for col in ("model", "arm", "trials", "already recorded", "estimate per trial", "estimate"):
        table.add_column(col)
    groups: dict[tuple[str, str], list[Trial]] = {}
    for trial in trials:
        groups.setdefault((trial.model, trial.arm), []).append(trial)
    total, unknown = 0.0, False
    for (model, arm), group in groups.items():
        todo = [t for t in group if t.key not in done]
        maybe = [estimates[t.key] for t in todo]
        costs = [c for c in maybe if c is not None]
        if len(costs) < len(maybe):
            unknown, cost_text, each = True, "?", "?"
        else:
            total += sum(costs)
            cost_text = f"${sum(costs):.4f}"
            each = f"${sum(costs) / len(costs):.4f}" if costs else "-"
        table.add_row(model, arm, str(len(group)), str(len(group) - len(todo)), each, cost_text)
    console.print(table)
    console.print(f"{len(trials)} trials; estimated cost ${total:.4f}{' + unpriced models' if unknown else ''} "
                  "(rough: about 4 characters a token, up to 8 agent turns; cached responses cost nothing).")


def execute(config: RunConfig, console: Console, run_dir: RunDir, tasks: list[Task], skills: list[SkillVersion],
            trials: list[Trial], models: dict[str, Model] | None = None,
            budget: Callable[[set[str]], Budget] | None = None) -> list[TrialRecord]:
    """Grade ``trials`` through the DBOS orchestrator with a live progress bar; returns their records. The run
    is held by this process (a second start of the same run id is refused) and keeps its workflows in its own
    system database unless ``--system-db`` is given (``harness/runs.py``)."""
    runs.check_startable(run_dir)
    shared = runs.hold_shared(config.system_db, run_dir.run_id) if config.system_db else nullcontext()
    with runs.hold(run_dir) as stale, shared:
        if stale is not None:
            console.print(f"Took over run {run_dir.run_id} from {stale.describe()}, which is no longer running",
                          soft_wrap=True, highlight=False)
        notice = runs.interrupted_notice(config.results_dir, run_dir.run_id)
        if notice:
            console.print(notice, soft_wrap=True, highlight=False)
        with open_executor(config, console, grading=not config.workers_only, tasks=tasks, skills=skills) as executor:
            env = executor.grading
            run_dir.write_manifest({**config.manifest(), "started_at": time.strftime("%Y-%m-%dT%H:%M:%S"),
                                    "trials": len(trials), "dbos_runtime": env.runtime.dbos_version if env else None,
                                    "skill_hashes": {s.label: s.hash for s in skills}})
            specs = {m: ModelSpec(s.mode, s.params) for m, s in config.model_settings.items()}
            cache = CacheSpec(str(config.response_cache_dir.resolve()), config.use_cache)
            coordinator = orchestrator.Coordinator(run_dir, cache, specs)
            steps = orchestrator.StepContext(executor.tasks, executor.skills, env, config.results_dir,
                                             config.results_dir / "worker", models or {},
                                             runs={run_dir.run_id: run_dir})
            system_db = config.system_db or runs.system_db_url(run_dir)
            if config.system_db:
                console.print(f"Workers join with: python run_eval.py worker --system-db {redact(system_db)}"
                              + (" (this process only enqueues and records)" if config.workers_only else ""),
                              soft_wrap=True, highlight=False)
            stop = executor.stop_hard_on_interrupt(interrupted_run_message(run_dir.run_id, run_dir.root))
            with run_progress(console, run_dir, trials) as progress, stop:
                records = orchestrator.run(coordinator, steps, trials, system_db, config.slots,
                                           config.generation_concurrency, progress.update, budget,
                                           distributed=config.system_db is not None, workers_only=config.workers_only)
        run_dir.update_manifest(finished_at=time.strftime("%Y-%m-%dT%H:%M:%S"))
        return records
