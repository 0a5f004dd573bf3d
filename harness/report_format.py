"""Formatting shared by the Markdown, HTML, comparison and history reports: numbers as text, verdict phrases
and the report's tables (pandas frames from ``harness.analysis`` results). It imports no report module, so
every report can use it without an import circle."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from harness import analysis
from harness.analysis import NONE, Paired
from harness.records import TrialRecord
from harness.stats import TESTS, Estimate

ALPHA = 0.05  # the level at which a report calls a difference "significant"


# ---- formatting shared by the Markdown, HTML and comparison reports ----

def fmt_rate(est: Estimate | None) -> str:
    return "-" if est is None else str(est)


def fmt_delta(est: Estimate | None) -> str:
    """A difference of rates in percentage points with its interval: ``+38 pp [+12, +67]``."""
    if est is None or est.n == 0 or math.isnan(est.value):
        return "-"
    if math.isnan(est.lo):
        return f"{est.value * 100:+.0f} pp"
    return f"{est.value * 100:+.0f} pp [{est.lo * 100:+.0f}, {est.hi * 100:+.0f}]"


def fmt_p(p: float | None) -> str:
    if p is None or (isinstance(p, float) and math.isnan(p)):
        return "-"
    return f"{p:.3f}" if p >= 0.001 else "<0.001"


def p_phrase(p: float) -> str:
    """``= 0.125`` or ``< 0.001``, to follow a "p"."""
    text = fmt_p(p)
    return text.replace("<", "< ") if text.startswith("<") else f"= {text}"


def fmt_pct(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.0%}"


def test_order(decision: str) -> list[str]:
    """Every paired test, the deciding one first."""
    return [decision] + [t for t in TESTS if t != decision]


def fmt_tests(result: Paired) -> str:
    """``permutation p = 0.016 (decides); sign p = 0.031; wilcoxon p = 0.016``."""
    return "; ".join(f"{t} p {p_phrase(result.p_values[t])}" + (" (decides)" if t == result.test else "")
                     for t in test_order(result.test))


def describe_paired(result: Paired, base: str, cand: str, alpha: float = ALPHA) -> str:
    """One sentence: the paired difference, how many tasks moved each way, and whether it is significant by the
    deciding test (the other tests' p-values beside it)."""
    word = "significant" if result.p_value < alpha else "not significant"
    return (f"{cand} vs {base}: {fmt_delta(result.difference)} over {result.n_tasks} task(s) "
            f"({fmt_pct(result.baseline_rate)} -> {fmt_pct(result.candidate_rate)}); {result.improved} better, "
            f"{result.worsened} worse, {result.ties} unchanged; {result.test} test p {p_phrase(result.p_value)} "
            f"({word} at {alpha:g}; sign test p {p_phrase(result.p_values['sign'])})")


FEWER, MORE, SAME = "fewer violations", "more violations", "no detectable change"


def violation_verdict(result: Paired, alpha: float = ALPHA, min_effect: float = 0.0) -> str:
    """More violations is a regression: significant by the deciding test and at least ``min_effect``."""
    d = result.difference.value
    if result.n_tasks == 0 or math.isnan(d) or result.p_value >= alpha or abs(d) < min_effect or d == 0:
        return SAME
    return MORE if d > 0 else FEWER


def describe_violations(result: Paired, base: str, cand: str, alpha: float = ALPHA) -> str:
    """One sentence on the rule-violation rate (trials with at least one violation), paired by task."""
    return (f"rule violations {cand} vs {base}: {fmt_pct(result.baseline_rate)} -> {fmt_pct(result.candidate_rate)} "
            f"of trials ({fmt_delta(result.difference)}); {result.worsened} task(s) fewer, {result.improved} more; "
            f"{result.test} test p {p_phrase(result.p_value)}: {violation_verdict(result, alpha)}")


def md_table(df: pd.DataFrame) -> str:
    return df.to_markdown(index=False) if not df.empty else "(none)"


# ---- the tables ----

def rates_table(arms: pd.DataFrame, usage: pd.DataFrame | None = None) -> pd.DataFrame:
    """Pass rate per model x arm; with ``usage``, the arm's cost beside it (tokens and seconds per trial)."""
    k = int(arms.k.max()) if not arms.empty else 0
    cost = {(u.model, u.variant): u for u in usage.itertuples()} if usage is not None else {}
    rows = []
    for a in arms.itertuples():
        row = {"model": a.model, "arm": a.variant, "tasks": a.tasks, "trials": a.trials, "passed": a.passed,
               "pass rate [95% CI]": fmt_rate(a.rate), "interval": a.method}
        if (a.model, a.variant) in cost:
            u = cost[(a.model, a.variant)]
            row.update({"tokens/trial": round(u.tokens_per_trial),
                        "s/trial": round(u.generation_s + u.grading_s, 1)})
        if k > 1:
            row[f"pass@{a.k}"] = fmt_rate(a.pass_at_k)
            row[f"pass^{a.k}"] = fmt_rate(a.pass_hat_k)
        row.update({"tests failed": a.tests_failed, "not durable": a.not_durable, "model errors": a.model_errors,
                    "infra errors": a.infra_errors})
        rows.append(row)
    return pd.DataFrame(rows)


def uplift_table(uplift: pd.DataFrame, per_category: bool, base: str = NONE) -> pd.DataFrame:
    """The paired uplift rows; ``base`` names the baseline column (``none``, or ``placebo`` for the content
    effect)."""
    part = uplift[(uplift.category != "all") if per_category else (uplift.category == "all")]
    rows = []
    for u in part.itertuples():
        r: Paired = u.result
        row = {"model": u.model, "arm": u.variant}
        if per_category:
            row["category"] = u.category
        row.update({"tasks": r.n_tasks, base: fmt_pct(r.baseline_rate), "with skill": fmt_pct(r.candidate_rate),
                    "uplift [95% CI]": fmt_delta(r.difference), "better": r.improved, "worse": r.worsened,
                    "same": r.ties})
        row.update({f"{t} p": fmt_p(r.p_values[t]) for t in test_order(r.test)})
        score: Paired = u.score
        row.update({"score change": fmt_delta(score.difference), f"score {score.test} p": fmt_p(score.p_value)})
        rows.append(row)
    return pd.DataFrame(rows)


def violations_table(uplift: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Per model x skill arm: the share of trials with at least one rule violation without and with the skill,
    paired by task, every test's p-value and the verdict (more violations is a regression)."""
    rows = []
    for u in uplift[uplift.category == "all"].itertuples():
        v: Paired = u.violations
        row = {"model": u.model, "arm": u.variant, "tasks": v.n_tasks, "none": fmt_pct(v.baseline_rate),
               "with skill": fmt_pct(v.candidate_rate), "change [95% CI]": fmt_delta(v.difference),
               "tasks fewer": v.worsened, "tasks more": v.improved}
        row.update({f"{t} p": fmt_p(v.p_values[t]) for t in test_order(v.test)})
        row["verdict"] = violation_verdict(v, alpha)
        rows.append(row)
    return pd.DataFrame(rows)


def power_lines(power: pd.DataFrame, test: str) -> list[str]:
    return [f"- **{p.model} · {p.variant}**: {p.power.sentence(test)}" for p in power.itertuples()]


POWER_NOTE = ("Minimum detectable effect: the smallest drop in mean per-task pass rate that a comparison of a "
              "future run against this one (same tasks and epochs) would call significant at 0.05 in 80% of "
              "simulated runs, starting from each task's observed rate (shrunk by half a trial: a task that "
              "always passed may still fail). Tasks, not epochs, are the unit of evidence.")


def rule_verdict(delta: float | None, p: float | None, alpha: float = ALPHA) -> str:
    if delta is None or (isinstance(delta, float) and math.isnan(delta)):
        return ""
    if delta < 0:
        return "fixed" if p is not None and p < alpha else "fewer (n.s.)"
    if delta > 0:
        return "worse" if p is not None and p < alpha else "more (n.s.)"
    return "no change"


def rules_pivot(rules: pd.DataFrame) -> pd.DataFrame:
    """One row per model x rule: the rate under each arm, and per skill arm the delta against none, the tasks
    with fewer / more violations and the sign-test verdict."""
    rows = []
    for (model, rule), part in rules.groupby(["model", "rule"], sort=True):
        row: dict[str, Any] = {"model": model, "rule": rule}
        for r in part.itertuples():
            if r.variant == NONE:
                row[NONE] = f"{r.rate:.0%} ({r.violating}/{r.trials})"
            else:
                delta = fmt_delta(Estimate(r.delta, math.nan, math.nan, 1)) if r.delta is not None else "-"
                row[r.variant] = f"{r.rate:.0%} ({delta})"
                row[f"{r.variant} tasks fewer/more"] = f"{r.fewer}/{r.more}"
                row[f"{r.variant} verdict"] = "" if r.p is None else f"{rule_verdict(r.delta, r.p)} (p {fmt_p(r.p)})"
        rows.append(row)
    return pd.DataFrame(rows).fillna("-")


def failures_table(arms: pd.DataFrame, df: pd.DataFrame) -> pd.DataFrame:
    ok = analysis.graded(df)
    rows = []
    for a in arms.itertuples():
        part = analysis.side(ok, a.model, a.variant)
        rows.append({"model": a.model, "arm": a.variant, "graded": len(part), "failed": int((~part.passed).sum()),
                     "hidden tests failed": int(part.tests_failed.sum()),
                     "not durable (tests passed)": int((part.not_durable & ~part.tests_failed).sum()),
                     "both": int((part.not_durable & part.tests_failed).sum()),
                     "model errors": int((part.status == "model_error").sum())})
    return pd.DataFrame(rows)


def matrix_table(df: pd.DataFrame) -> pd.DataFrame:
    cells = analysis.task_matrix(df)
    if cells.empty:
        return cells
    cells["column"] = cells.model + " " + cells.variant
    cells["cell"] = [f"{int(s)}/{int(c)}" for s, c in zip(cells["sum"], cells["count"], strict=True)]
    wide = cells.pivot(index="task_id", columns="column", values="cell").fillna("-")
    order = sorted(wide.columns, key=lambda c: (c.split(" ")[0], c.split(" ")[1] != NONE, c))
    categories = df.drop_duplicates("task_id").set_index("task_id").category
    wide = wide[order]
    wide.insert(0, "category", categories.reindex(wide.index))
    return wide.reset_index().rename(columns={"task_id": "task"})


def skill_use(variant: str, read: int, trials: int) -> str:
    """How the skill reached the model: ``inline`` (in the system prompt), ``-`` (no skill), or how many trials
    of an on-demand arm opened it."""
    arm = variant.split(":", 1)[0]
    return "-" if arm == NONE else "inline (system prompt)" if arm == "inline" else f"{read}/{trials}"


def usage_md(usage: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame([{
        "model": u.model, "arm": u.variant, "trials": u.trials, "input tokens": u.input_tokens,
        "output tokens": u.output_tokens, "tokens/trial": round(u.tokens_per_trial), "cost $": round(u.cost_usd, 4),
        "$/trial": round(u.cost_per_trial, 4), "generation s (mean)": round(u.generation_s, 1),
        "grading s (mean)": round(u.grading_s, 1), "read the skill": skill_use(u.variant, u.read_skill, u.trials),
    } for u in usage.itertuples()])


def failing_tests(failing: tuple[str, ...], log: str | None, shown: int = 3) -> str:
    """The failing tests of a trial, real failures first: pytest's ``FAILED`` lines in the hidden-test log
    before its ``ERROR`` lines (setup errors) and skipped tests, then "+N more"."""
    def named(prefix: str) -> set[str]:
        return {line[len(prefix):].split(" - ", 1)[0].rsplit("::", 1)[-1].strip()
                for line in (log or "").splitlines() if line.startswith(prefix)}

    failed, errored = named("FAILED "), named("ERROR ")

    def rank(name: str) -> int:
        bare = name.rsplit("::", 1)[-1]
        return 3 if name.endswith("(skipped)") else 0 if bare in failed else 2 if bare in errored else 1

    ordered = sorted(failing, key=rank)  # stable: pytest's order within a rank
    more = len(ordered) - shown
    return ", ".join(ordered[:shown]) + (f" +{more} more" if more > 0 else "")


def hidden_test_log(run_root: Path | None, record: TrialRecord) -> str | None:
    """The hidden-test output of a trial (its last grading attempt), when the run folder has it."""
    if run_root is None:
        return None
    check = next((c for c in record.checks if c.get("name") == "hidden_tests"), None)
    if not check or not check.get("log"):
        return None
    attempts = record.attempts or 1
    logs = run_root / "trials" / record.trial_id / ("logs" if attempts <= 1 else f"logs.attempt{attempts}")
    try:
        return (logs / check["log"]).read_text(errors="replace")
    except OSError:
        return None


def failed_trials_table(df: pd.DataFrame, limit: int = 200, records: list[TrialRecord] | None = None,
                        run_root: Path | None = None) -> tuple[pd.DataFrame, int]:
    bad = analysis.graded(df)
    bad = bad[~bad.passed].sort_values(["task_id", "model", "variant", "epoch"])
    by_id = {r.trial_id: r for r in records or []}
    rows = [{"trial": b.trial_id, "status": b.status, "reason": b.reason,
             "tests": f"{b.tests_passed}/{b.tests_total}" if b.tests_total else "-",
             "durable": "no" if b.not_durable else "-",
             "failing tests": failing_tests(b.failing, hidden_test_log(run_root, by_id[b.trial_id])
                                            if b.trial_id in by_id else None),
             "rules": ", ".join(b.rules)} for b in bad.head(limit).itertuples()]
    return pd.DataFrame(rows), len(bad)


def headline(uplift: pd.DataFrame, alpha: float = ALPHA, content: pd.DataFrame | None = None) -> list[str]:
    """Per model and skill arm: the pass-rate uplift, and beside it the rule-violation change with its verdict;
    with ``content``, the uplift over the placebo of the same skill version (what the content adds)."""
    lines = []
    over_placebo = {} if content is None or content.empty else {
        (c.model, c.variant): c for c in content[content.category == "all"].itertuples()}
    for u in uplift[uplift.category == "all"].itertuples():
        lines.append(f"- **{u.model}**: " + describe_paired(u.result, NONE, u.variant, alpha))
        lines.append(f"  - {describe_violations(u.violations, NONE, u.variant, alpha)}")
        c = over_placebo.get((u.model, u.variant))
        if c is not None:
            placebo = analysis.placebo_of(u.variant) or "placebo"
            lines.append(f"  - content effect: {describe_paired(c.result, placebo, u.variant, alpha)}")
    return lines


CONTENT_NOTE = ("The placebo arm gets a skill of the same size and form about houseplant care (harness.placebo), "
                "inline: an uplift over `none` that the placebo also shows is extra context, not the skill's "
                "content. Content effect = skill arm minus placebo, paired by task like the uplift.")
ACTIVATION_NOTE = ("On-demand arms (tool: offered by name; tool-forced: told to read SKILL.md first, the workspace "
                   "tools refuse until it has; index: a one-line-per-file docs index in the prompt). Opened: read "
                   "any skill file. Uplift over none among the trials that opened the skill and those that did not "
                   "(paired by task); the split is observational: the model chose to read.")


def activation_md(activation: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for a in activation.itertuples():
        refs = ", ".join(f"{p.removeprefix('references/')}: {n}" for p, n in a.references[:5])
        more = f" (+{len(a.references) - 5} more)" if len(a.references) > 5 else ""
        rows.append({"model": a.model, "arm": a.variant, "trials": a.trials,
                     "opened the skill": f"{a.opened}/{a.trials} ({a.opened / a.trials:.0%})",
                     "read SKILL.md": f"{a.read_skill_md}/{a.trials}",
                     "first read at turn (median)": "-" if a.first_turn is None or math.isnan(a.first_turn)
                     else f"{a.first_turn:g}",
                     "references read (trials)": (refs + more) or "-",
                     "uplift when opened": _uplift_cell(a.activated), "uplift when not": _uplift_cell(a.inactive)})
    return pd.DataFrame(rows)


def _uplift_cell(result: Paired | None) -> str:
    if result is None or not result.n_tasks:
        return "-"
    return f"{fmt_delta(result.difference)} ({result.n_tasks} tasks, {result.test} p {fmt_p(result.p_value)})"
