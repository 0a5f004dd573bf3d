"""``python run_eval.py nightly --config eval.toml``: run the configured matrix, compare it with the latest
accepted baseline, write both reports, record one history row per model x arm, and render the trend.

Exit codes: 0 no significant regression; 1 a significant regression against the baseline (a lower pass rate
or more rule violations, decided by ``[compare] test``), or infra errors (when ``fail_on_infra_errors``);
2 bad configuration, a budget the matrix would exceed, or a baseline the run
cannot be compared with (the message says what differs).
"""

from __future__ import annotations

import time
import tomllib
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

from rich.console import Console

from harness import aa, analysis, baseline, compare, history
from harness.errors import UserError
from harness.report_html import page
from harness.results import RunDir, results_root
from harness.stats import DEFAULT_TEST, TESTS

SECTIONS = {
    "nightly": {"run_id_prefix", "models", "skills", "arms", "tasks", "epochs", "sandbox", "docker_image", "slots",
                "pg_url", "agent_tools"},
    "budget": {"max_trials", "max_cost_usd"},
    "compare": {"alpha", "min_effect_pp", "fail_on_infra_errors", "test"},
    "aa": {"models", "arms", "tasks", "epochs"},
}


@dataclass(frozen=True)
class AASlice:
    """[aa]: a small matrix run each night beside the main one, its epochs split in two for the A/A noise floor."""

    models: tuple[str, ...]
    arms: tuple[str, ...]
    tasks: str
    epochs: int = 2


@dataclass(frozen=True)
class NightlyConfig:
    path: Path
    models: tuple[str, ...]
    skills: tuple[str, ...]
    arms: tuple[str, ...] = ("none", "inline")
    tasks: str = ""
    epochs: int = 1
    run_id_prefix: str = "nightly"
    sandbox: str = "bwrap"
    docker_image: str | None = None
    slots: int | None = None
    pg_url: str | None = None
    max_trials: int | None = None
    max_cost_usd: float | None = None
    alpha: float = 0.05
    min_effect: float = 0.0  # a fraction
    fail_on_infra_errors: bool = True
    test: str = DEFAULT_TEST  # the paired test that decides (harness.stats.TESTS)
    aa: AASlice | None = None  # without it, the noise floor comes from the main run's epochs (when 2 or more)
    agent_tools: str = "files"  # files, or exec (run_command in the grading sandbox)


def _typed(where: str, value: Any, kind: type | tuple[type, ...], what: str) -> Any:
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise UserError(f"{where}: must be {what} (got {value!r})")
    return value


def _strings(where: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise UserError(f"{where}: must be a non-empty list of strings (got {value!r})")
    return tuple(value)


def load_config(path: Path) -> NightlyConfig:
    """Read eval.toml; every problem is one line naming the file, the key and what is wrong."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise UserError(f"{path}: no such file (start from examples/eval.toml)") from None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UserError(f"{path}: not valid TOML ({exc})") from None
    for name, value in data.items():
        if name not in SECTIONS:
            raise UserError(f"{path}: unknown section [{name}] (known: {', '.join(f'[{s}]' for s in SECTIONS)})")
        unknown = set(value) - SECTIONS[name] if isinstance(value, dict) else set()
        if unknown:
            raise UserError(f"{path}: [{name}] unknown key {sorted(unknown)[0]} (known: "
                            f"{', '.join(sorted(SECTIONS[name]))})")
    night, budget, comp = data.get("nightly", {}), data.get("budget", {}), data.get("compare", {})
    at = f"{path}: [nightly]"
    if "models" not in night:
        raise UserError(f"{at} models: required, e.g. models = [\"anthropic/claude-sonnet-4-6\"]")
    epochs = _typed(f"{at} epochs", night.get("epochs", 1), int, "a whole number")
    if epochs < 1:
        raise UserError(f"{at} epochs: must be at least 1")
    alpha = float(_typed(f"{path}: [compare] alpha", comp.get("alpha", 0.05), (int, float), "a number"))
    if not 0 < alpha < 1:
        raise UserError(f"{path}: [compare] alpha: must be between 0 and 1 (got {alpha})")
    test = _typed(f"{path}: [compare] test", comp.get("test", DEFAULT_TEST), str, "a string")
    if test not in TESTS:
        raise UserError(f"{path}: [compare] test: must be one of {', '.join(TESTS)} (got {test!r})")
    max_trials = budget.get("max_trials")
    if max_trials is not None and _typed(f"{path}: [budget] max_trials", max_trials, int, "a whole number") < 1:
        raise UserError(f"{path}: [budget] max_trials: must be at least 1")
    max_cost = budget.get("max_cost_usd")
    if max_cost is not None and _typed(f"{path}: [budget] max_cost_usd", max_cost, (int, float), "a number") <= 0:
        raise UserError(f"{path}: [budget] max_cost_usd: must be positive")
    slots = night.get("slots")
    agent_tools = _typed(f"{at} agent_tools", night.get("agent_tools", "files"), str, "files or exec")
    if agent_tools not in ("files", "exec"):
        raise UserError(f"{at} agent_tools: must be files or exec (got {agent_tools!r})")
    aa_slice = None
    if "aa" in data:
        section, where = data["aa"], f"{path}: [aa]"
        aa_epochs = _typed(f"{where} epochs", section.get("epochs", 2), int, "a whole number")
        if aa_epochs < 2:
            raise UserError(f"{where} epochs: must be at least 2 (its epochs are split in two)")
        aa_slice = AASlice(_strings(f"{where} models", section.get("models", night["models"])),
                           _strings(f"{where} arms", section.get("arms", ["none"])),
                           ",".join(_strings(f"{where} tasks", section["tasks"])) if "tasks" in section else "",
                           aa_epochs)
    return NightlyConfig(
        path=path, models=_strings(f"{at} models", night["models"]),
        skills=_strings(f"{at} skills", night.get("skills", ["skill"])),
        arms=_strings(f"{at} arms", night.get("arms", ["none", "inline"])),
        tasks=",".join(_strings(f"{at} tasks", night["tasks"])) if night.get("tasks") else "",
        epochs=epochs, run_id_prefix=_typed(f"{at} run_id_prefix", night.get("run_id_prefix", "nightly"), str,
                                            "a string"),
        sandbox=_typed(f"{at} sandbox", night.get("sandbox", "bwrap"), str, "bwrap, docker or none"),
        docker_image=_typed(f"{at} docker_image", night["docker_image"], str, "an image name")
        if "docker_image" in night else None,
        slots=_typed(f"{at} slots", slots, int, "a whole number") if slots is not None else None,
        pg_url=night.get("pg_url"), max_trials=max_trials, max_cost_usd=float(max_cost) if max_cost else None,
        alpha=alpha, min_effect=float(_typed(f"{path}: [compare] min_effect_pp", comp.get("min_effect_pp", 0),
                                             (int, float), "a number")) / 100,
        fail_on_infra_errors=_typed(f"{path}: [compare] fail_on_infra_errors", comp.get("fail_on_infra_errors", True),
                                    bool, "true or false"), test=test, aa=aa_slice, agent_tools=agent_tools)


def check_budget(cfg: NightlyConfig, n_trials: int, models: list[str], base: RunDir | None) -> str | None:
    """Refuse a matrix over ``max_trials``, or one the baseline's cost per trial says would cost more than
    ``max_cost_usd``; returns the cost estimate as a sentence when there is one."""
    if cfg.max_trials is not None and n_trials > cfg.max_trials:
        raise UserError(f"{cfg.path}: the matrix has {n_trials} trials, over [budget] max_trials = {cfg.max_trials} "
                        "(narrow models, arms, tasks or epochs, or raise the budget)")
    if cfg.max_cost_usd is None or base is None:
        return None
    usage = analysis.usage_table(analysis.trials_frame(base.records()))
    per_trial = {m: float(part.cost_usd.sum() / max(part.trials.sum(), 1)) for m, part in usage.groupby("model")}
    if not per_trial:
        return None
    estimate = n_trials / max(len(models), 1) * sum(per_trial.get(m, max(per_trial.values())) for m in models)
    if estimate > cfg.max_cost_usd:
        raise UserError(f"{cfg.path}: the baseline {base.run_id} costs predict ${estimate:.2f} for {n_trials} trials, "
                        f"over [budget] max_cost_usd = {cfg.max_cost_usd:g} (narrow the matrix or raise the budget)")
    return f"estimated cost ${estimate:.2f} (from baseline {base.run_id}), budget ${cfg.max_cost_usd:g}"


def run_nightly(config_path: Path, console: Console, *, run_id: str | None = None, results_dir: str | None = None,
                tasks_dir: str | None = None) -> int:
    from harness.config import build_config, default_run_id
    from harness.executor import load_skills
    from harness.runner import evaluate
    from harness.tasks import load_tasks
    from harness.trials import expand

    cfg = load_config(config_path)
    results = results_root(results_dir)
    config = build_config(run_id=run_id or f"{cfg.run_id_prefix}-{default_run_id()}", models=list(cfg.models),
                          arms=list(cfg.arms), skills=list(cfg.skills), tasks=cfg.tasks, epochs=cfg.epochs,
                          pg_url=cfg.pg_url, sandbox=cfg.sandbox, keep_dbs=False, slots=cfg.slots,
                          results_dir=str(results), tasks_dir=tasks_dir, docker_image=cfg.docker_image,
                          max_cost=cfg.max_cost_usd or None, agent_tools=cfg.agent_tools)
    base = baseline.latest(results)
    n_trials = len(expand(load_tasks(config.tasks_dir, config.task_patterns), config.models, config.arms,
                          load_skills(config.skills), config.epochs))
    estimate = check_budget(cfg, n_trials, list(config.models), base)
    if estimate:
        console.print(estimate)
    evaluation = evaluate(config, console, test=cfg.test)  # the run report's analysis, computed once
    code = evaluation.code
    run = RunDir(results, config.run_id)
    manifest = run.read_manifest()
    result = evaluation.analysis or analysis.analyze(run.records(), test=cfg.test)
    comparison, problem = None, None
    if base is None:
        problem = (f"no accepted baseline yet: if this run is good, accept it with `python run_eval.py baseline "
                   f"accept {config.run_id}`")
    elif base.root == run.root:
        problem = "this run is the accepted baseline itself"
    else:
        try:
            comparison = compare.compare(compare.load_side(base), compare.load_side(run), alpha=cfg.alpha,
                                         min_effect=cfg.min_effect, test=cfg.test)
        except UserError as exc:
            problem = f"not compared with the baseline: {exc}"
    verdicts = {(p.model, p.cand_variant): (p.verdict, p.violation_verdict) for p in comparison.pairs} \
        if comparison else {}
    noise = noise_floor(cfg, config, run, results, console)
    history.record(results, history.rows_for(config.run_id, manifest, result, time.strftime("%Y-%m-%dT%H:%M:%S"),
                                             base.run_id if base else None, verdicts))
    trend_md, trend_html = history.write_trend(results)
    paths = write_nightly(run, comparison, problem, results, result, noise)
    summary = (compare.verdict_line(comparison) + "\n" + compare.violations_line(comparison)).replace("**", "") \
        if comparison else problem
    console.print(summary, soft_wrap=True, highlight=False)
    console.print(f"Nightly summary: {paths[0]} (HTML {paths[1]}); run report: {run.root / 'report.html'}; "
                  f"trend: {trend_html}", soft_wrap=True)
    if comparison is not None and comparison.regressed:
        return 1
    if code == 1 and cfg.fail_on_infra_errors:
        return 1
    if base is not None and comparison is None and base.root != run.root:
        return 2
    return 0 if code in (0, 1) else code


def noise_floor(cfg: NightlyConfig, config: Any, run: RunDir, results: Path, console: Console) -> aa.AAResult | str:
    """The A/A noise floor of tonight: the [aa] slice run (``<run>-aa``) split by epochs, else the main run's own
    epochs; a sentence saying why there is none otherwise."""
    from harness.config import build_config
    from harness.runner import run_evaluation

    source = run
    if cfg.aa is not None:
        slice_config = build_config(
            run_id=f"{config.run_id}-aa", models=list(cfg.aa.models), arms=list(cfg.aa.arms),
            skills=list(cfg.skills), tasks=cfg.aa.tasks, epochs=cfg.aa.epochs, pg_url=cfg.pg_url,
            sandbox=cfg.sandbox, keep_dbs=False, slots=cfg.slots, results_dir=str(results),
            tasks_dir=str(config.tasks_dir), agent_tools=cfg.agent_tools, docker_image=cfg.docker_image)
        run_evaluation(slice_config, console)
        source = RunDir(results, slice_config.run_id)
    df = analysis.trials_frame(source.records())
    if df.empty or df.epoch.nunique() < 2:
        return "no A/A noise floor tonight: the run has one epoch (add an [aa] slice or epochs = 2)"
    try:
        a, b = aa.split_epochs(df)
        return aa.aa(a, b, side_a=f"{source.run_id} odd epochs", side_b=f"{source.run_id} even epochs",
                     how="epochs of one run", alpha=cfg.alpha, test=cfg.test)
    except UserError as exc:
        return f"no A/A noise floor tonight: {exc}"


def write_nightly(run: RunDir, comparison: compare.Comparison | None, problem: str | None,
                  results: Path, result: analysis.RunAnalysis | None = None,
                  noise: aa.AAResult | str | None = None) -> tuple[Path, Path]:
    """nightly.md (for a CI step summary) and nightly.html in the run folder: the verdict against the baseline,
    the run's uplift, the comparison and the trend; plus compare-<baseline>.md/html when compared."""
    from harness.report_format import headline

    result = result or analysis.analyze(run.records(), test=comparison.test if comparison else DEFAULT_TEST)
    df = history.load(results)
    verdicts = [compare.verdict_line(comparison), "", compare.violations_line(comparison)] if comparison else \
        [f"Not compared: {problem}"]
    lines = [f"# Nightly `{run.run_id}`", "", *verdicts, "",
             "## Does the skill still help? (this run: arm minus none, paired by task)", ""]
    lines += headline(result.uplift) or ["No skill arm with a `none` baseline in this run."]
    lines += ["", f"Full run report: `{run.root / 'report.md'}` / `report.html`.", ""]
    if isinstance(noise, aa.AAResult):
        lines += [aa.markdown(noise, level=2), ""]
    elif noise:
        lines += ["## A/A noise floor", "", noise, ""]
    if comparison:
        stem = compare.file_stem(comparison.baseline)
        compare.write(comparison, run.root, stem)
        lines += [compare.markdown(comparison, level=2), ""]
    lines += ["## Trend (recent nights)", "", history.trend_markdown(df)]
    md_path = run.root / "nightly.md"
    md_path.write_text("\n".join(lines))
    html_path = run.root / "nightly.html"
    if comparison:
        trend = ["<h2>Trend</h2>", *history.trend_svgs(df)]
        noise_html = [aa.html(noise)] if isinstance(noise, aa.AAResult) else []
        html_path.write_text(compare.html(comparison, noise_html + trend).replace("<h1>Compare",
                                                                                 "<h1>Nightly: compare", 1))
    else:
        noise_html = [aa.html(noise)] if isinstance(noise, aa.AAResult) else []
        html_path.write_text(page(f"nightly {run.run_id}", [f"<h1>Nightly {run.run_id}</h1><p>Not compared: "
                                                            f"{escape(problem or '')}</p>", *noise_html,
                                                            "<h2>Trend</h2>", *history.trend_svgs(df)]))
    return md_path, html_path
