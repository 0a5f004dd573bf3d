"""``python run_eval.py plan``: before paying for a run, what it would cost and what it could detect.

For a matrix (tasks x models x arms x skills x epochs) it prints the trial count, the estimated cost, and the
minimum detectable effect (MDE: the smallest drop in mean per-task pass rate a comparison of two such runs
would call significant in 80% of cases); with ``--mde PP`` also the epochs, or the tasks, that drop needs.

- **Cost** per trial: the mean tokens of earlier trials of the same model and arm (the same task when there
  is one, else any task) priced with ``harness/prices.toml``; without earlier trials, ``harness.budget``'s
  generous prior guess. Offline models cost nothing.
- **Per-task pass rates** the power simulation starts from: earlier runs' graded trials of these tasks under
  the planned skill arms (else under any arm), else the task's ``calibration.toml`` attempts, shrunk by half a
  trial (``stats.shrunk_rates``); tasks with neither take the median of the others; with no evidence at all
  the rates are spread evenly over 0-100%.
"""

from __future__ import annotations

import math
import tomllib
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from harness import stats
from harness.analysis import SEED
from harness.errors import UserError
from harness.records import TrialRecord

MAX_EPOCHS = 20
MAX_TASKS = 2000
PLAN_REPLICATES = 300
PLAN_RESAMPLES = 1000


@dataclass(frozen=True)
class PlanConfig:
    """What ``run`` would be given, minus what only running needs (no API key: a plan calls nothing)."""

    models: tuple[str, ...]
    arms: tuple[Any, ...]  # harness.models.base.Arm
    skills: tuple[Path, ...]
    task_patterns: tuple[str, ...]
    epochs: int
    tasks_dir: Path
    results_dir: Path
    model_settings: dict[str, Any]


def build_plan_config(*, models: list[str] | None, arms: list[str] | None, skills: list[str] | None,
                      tasks: str | None, epochs: int, mode: str, results_dir: str | None,
                      tasks_dir: str | None, agent_tools: str = "files") -> PlanConfig:
    """Validate the flags like ``run`` does (one line naming the bad one), without requiring API keys."""
    from harness.config import PROVIDER_KEYS, REPO, keys_present
    from harness.models.settings import default_models, is_api_model, parse_model_id, resolve_settings
    from harness.results import results_root
    from harness.skills import ARM_NAMES, Arm, resolve_skill_spec

    if epochs < 1:
        raise UserError(f"--epochs {epochs}: must be at least 1")
    if not models:
        present = keys_present()
        models = default_models(tuple(p for p, env in PROVIDER_KEYS.items() if env in present)) or ["reference"]
    for model in models:
        parse_model_id(model)
    arm_values = []
    for arm in arms or ["none", "inline"]:
        try:
            arm_values.append(Arm(arm))
        except ValueError:
            raise UserError(f"--arms {arm}: unknown arm (known: {ARM_NAMES})") from None
    results = results_root(results_dir)
    overrides = {"agent_tools": agent_tools}  # resolve_settings checks it: one line naming a bad value
    settings = {m: resolve_settings(m, mode=mode, base_url="http://localhost/v1" if m.startswith(
        "openai-compatible/") else None, overrides=overrides) for m in models if is_api_model(m)}
    return PlanConfig(tuple(models), tuple(arm_values),
                      tuple(resolve_skill_spec(s, results / "cache", REPO) for s in (skills or [str(REPO / "skill")])),
                      tuple(p.strip() for p in (tasks or "").split(",") if p.strip()), epochs,
                      Path(tasks_dir) if tasks_dir else REPO / "tasks", results, settings)


@dataclass(frozen=True)
class Cost:
    usd: float | None  # None: a model without a price
    observed: int  # trials whose cost came from earlier runs' tokens
    guessed: int  # trials whose cost is the prior guess


@dataclass(frozen=True)
class Rates:
    rates: tuple[float, ...]  # one per planned task
    source: str  # where they come from, for the printout


def earlier_records(results_dir: Path) -> list[TrialRecord]:
    """Every trial record of every run under ``results_dir/runs`` (unreadable runs are skipped: a plan is an
    estimate, not a check)."""
    from harness.results import RunDir

    runs = Path(results_dir) / "runs"
    out: list[TrialRecord] = []
    for root in sorted(runs.iterdir()) if runs.is_dir() else []:
        if (root / "trials.jsonl").is_file():
            try:
                out += RunDir(Path(results_dir), root.name).records()
            except (UserError, OSError, ValueError):
                continue
    return out


def estimate_cost(trials: Sequence[Any], priors: dict[str, float | None], records: list[TrialRecord],
                  prices: Any) -> Cost:
    """Sum of per-trial estimates: earlier tokens of the same model, arm and task (else model and arm) at
    today's prices, else the prior guess."""
    from harness.models.chat import TokenCount

    tokens: dict[tuple[str, ...], list[TokenCount]] = defaultdict(list)
    for r in records:
        u = r.usage
        if not u.get("input_tokens") and not u.get("output_tokens"):
            continue
        count = TokenCount(input=int(u.get("input_tokens", 0)), output=int(u.get("output_tokens", 0)),
                           cache_read=int(u.get("cache_read_tokens", 0)),
                           cache_write=int(u.get("cache_write_tokens", 0)))
        tokens[(r.model, r.arm, r.task_id)].append(count)
        tokens[(r.model, r.arm)].append(count)
    total, observed, guessed, unknown = 0.0, 0, 0, False
    for t in trials:
        seen = tokens.get((t.model, t.arm, t.task_id)) or tokens.get((t.model, t.arm))
        price = prices.lookup(t.model)
        if seen and price is not None:
            total += sum(price.cost(c) for c in seen) / len(seen)
            observed += 1
        elif priors.get(t.key) is None:
            unknown = True
        else:
            total += priors[t.key] or 0.0
            guessed += 1
    return Cost(None if unknown else total, observed, guessed)


def calibration_counts(task_dir: Path, arms: set[str]) -> tuple[int, int] | None:
    """(passed, attempts) from ``calibration.toml`` attempts under ``arms``; None without any."""
    path = task_dir / "calibration.toml"
    if not path.is_file():
        return None
    try:
        attempts = tomllib.loads(path.read_text()).get("attempt") or []
    except (OSError, tomllib.TOMLDecodeError):
        return None
    mine = [a for a in attempts if isinstance(a, dict) and a.get("arm") in arms] or \
        [a for a in attempts if isinstance(a, dict)]
    return (sum(bool(a.get("passed")) for a in mine), len(mine)) if mine else None


def task_rates(task_ids: Sequence[str], arms: Sequence[str], records: list[TrialRecord],
               tasks_dir: Path, models: Sequence[str] = ()) -> Rates:
    """Per planned task the pass rate to simulate from (see the module docstring): earlier trials of the planned
    models under the planned skill arms, else of any model under those arms, else under any arm."""
    wanted = set(arms) - {"none"} or set(arms)
    by_task: dict[str, list[TrialRecord]] = defaultdict(list)
    for r in records:
        if r.status != "infra_error":
            by_task[r.task_id].append(r)
    known: dict[str, float] = {}
    for task in task_ids:
        mine = [r for r in by_task[task] if r.arm in wanted and r.model in models] or \
            [r for r in by_task[task] if r.arm in wanted] or by_task[task]
        if mine:
            known[task] = float(stats.shrunk_rates([sum(bool(r.passed) for r in mine)], [len(mine)])[0])
    from_runs = len(known)
    for task in task_ids:
        if task not in known:
            cal = calibration_counts(tasks_dir / task, wanted)
            if cal:
                known[task] = float(stats.shrunk_rates([cal[0]], [cal[1]])[0])
    from_calibration = len(known) - from_runs
    if not known:
        return Rates(tuple(stats.spread_rates(len(task_ids))), "no earlier runs or calibration of these tasks: "
                     "per-task rates spread evenly over 0-100%")
    fill = float(np.median(list(known.values())))
    rates = tuple(known.get(t, fill) for t in task_ids)
    parts = [f"{from_runs} task(s) from earlier runs"] if from_runs else []
    parts += [f"{from_calibration} from calibration.toml"] if from_calibration else []
    missing = len(task_ids) - len(known)
    parts += [f"{missing} without evidence at the median {fill:.0%}"] if missing else []
    return Rates(rates, "per-task rates: " + ", ".join(parts) + f" (mean {np.mean(rates):.0%})")


def mde(rates: Sequence[float], epochs: int, test: str, alpha: float) -> float:
    return stats.min_detectable_drop(rates, epochs, test=test, alpha=alpha, seed=SEED, replicates=PLAN_REPLICATES,
                                     resamples=PLAN_RESAMPLES)


def detects(rates: Sequence[float] | np.ndarray, epochs: int, drop: float, test: str, alpha: float) -> bool:
    return stats.power(rates, epochs, drop, test=test, alpha=alpha, seed=SEED, replicates=PLAN_REPLICATES,
                       resamples=PLAN_RESAMPLES) >= stats.POWER


def epochs_needed(rates: Sequence[float], drop: float, test: str, alpha: float) -> int | None:
    """The fewest epochs (up to ``MAX_EPOCHS``) at which these tasks detect ``drop`` with 80% power."""
    return next((e for e in range(1, MAX_EPOCHS + 1) if detects(rates, e, drop, test, alpha)), None)


def tasks_needed(rates: Sequence[float], epochs: int, drop: float, test: str, alpha: float) -> int | None:
    """The fewest tasks (rates distributed like ``rates``; up to ``MAX_TASKS``) that detect ``drop`` at
    ``epochs`` with 80% power: doubling, then bisection."""
    def ok(n: int) -> bool:
        return detects(stats.resize_rates(rates, n), epochs, drop, test, alpha)

    lo, hi = 1, max(2, len(rates))
    while not ok(hi):
        if hi >= MAX_TASKS:
            return None
        lo, hi = hi, min(MAX_TASKS, hi * 2)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def _points(x: float) -> str:
    return "none detectable" if math.isnan(x) else f"{x * 100:.0f} points"


def run_plan(config: PlanConfig, console: Console, *, test: str, alpha: float, mde_pp: float | None) -> int:
    from harness.budget import prior_estimates
    from harness.executor import load_skills
    from harness.models.pricing import load_prices
    from harness.tasks import load_tasks
    from harness.trials import expand

    tasks = load_tasks(config.tasks_dir, config.task_patterns)
    skills = load_skills(config.skills)
    fingerprints = {m: s.fingerprint() for m, s in config.model_settings.items()}
    trials = expand(tasks, config.models, config.arms, skills, config.epochs, fingerprints)
    prices = load_prices()
    priors = prior_estimates(trials, {t.id: t for t in tasks}, {s.hash: s for s in skills}, config.model_settings,
                             prices)
    records = earlier_records(config.results_dir)
    cost = estimate_cost(trials, priors, records, prices)
    arms = [str(a) for a in config.arms]
    ids = [t.id for t in tasks]
    rates = task_rates(ids, arms, records, config.tasks_dir, config.models)
    console.print(f"Plan: {len(tasks)} task(s) x {len(config.models)} model(s) x arms {', '.join(arms)} x "
                  f"{config.epochs} epoch(s) = [bold]{len(trials)} trials[/]", highlight=False, soft_wrap=True)
    usd = "unknown (a model has no price in harness/prices.toml)" if cost.usd is None else f"${cost.usd:.2f}"
    console.print(f"Estimated cost: {usd} ({cost.observed} trial(s) priced from earlier runs' tokens, "
                  f"{cost.guessed} from the prior guess; cached responses would cost nothing)",
                  highlight=False, soft_wrap=True)
    console.print(rates.source, highlight=False, soft_wrap=True)
    others = [t for t in ("sign",) if t != test]
    found = {t: mde(rates.rates, config.epochs, t, alpha) for t in (test, *others)}
    extra = "".join(f"; {t} test: {_points(found[t])}" for t in others)
    console.print(f"Minimum detectable drop at 80% power (alpha {alpha:g}, per model and arm, paired by task): "
                  f"[bold]{_points(found[test])}[/] ({test} test{extra})"
                  + (": add tasks" if math.isnan(found[test]) else ""), highlight=False, soft_wrap=True)
    if mde_pp is not None:
        drop = mde_pp / 100
        if drop >= float(np.mean(rates.rates)):
            raise UserError(f"--mde {mde_pp:g}: a drop of {mde_pp:g} points is more than the mean pass rate "
                            f"({np.mean(rates.rates):.0%}) these tasks have to lose")
        epochs = epochs_needed(rates.rates, drop, test, alpha)
        n = tasks_needed(rates.rates, config.epochs, drop, test, alpha)
        console.print(f"To detect a drop of {mde_pp:g} points ({test} test):", highlight=False)
        console.print(f"  with these {len(tasks)} task(s): " + (f"{epochs} epoch(s)" if epochs else
                      f"not reachable within {MAX_EPOCHS} epochs (epochs help little: add tasks)"),
                      highlight=False, soft_wrap=True)
        console.print(f"  at {config.epochs} epoch(s): " + (f"{n} tasks like these" if n else
                      f"more than {MAX_TASKS} tasks"), highlight=False, soft_wrap=True)
    return 0
