"""Reports from trial records: report.md (fits a CI step summary or an issue comment), report.html (plots,
drill-down; ``harness.report_html``), junit.xml, and a rich table for the terminal.

The report only formats; the numbers come from ``harness.analysis`` and ``harness.stats``. Infra errors are
listed apart and never enter a denominator.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
from rich.table import Table

from harness import analysis
from harness.analysis import NONE, Paired
from harness.stats import TESTS, Estimate, pass_rate

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

def frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    rows = [{
        "trial_id": r["trial_id"], "task_id": r["task_id"], "category": r["category"], "model": r["model"],
        "arm": r["arm"], "skill": (r.get("skill") or {}).get("label") or "-", "epoch": r["epoch"],
        "status": r["status"], "passed": bool(r["passed"]), "score": r.get("score"),
        "tests": f"{r['tests']['passed']}/{r['tests']['total']}" if r.get("tests") else "-",
        "durable": _durable(r), "violations": len(r.get("violations") or []),
        "reason": r.get("reason") or "", "detail": r.get("detail") or "", "duration_s": r.get("duration_s", 0.0),
    } for r in records]
    return pd.DataFrame(rows, columns=["trial_id", "task_id", "category", "model", "arm", "skill", "epoch",
                                       "status", "passed", "score", "tests", "durable", "violations", "reason",
                                       "detail", "duration_s"])


def _durable(record: dict[str, Any]) -> str:
    d = record.get("durability")
    if not d or d.get("passed") is None:
        return "-"
    return "yes" if d["passed"] else "no"


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Pass rate per model x arm x skill over graded trials, with a 95% Wilson interval."""
    graded = df[df.status != "infra_error"]
    rows = []
    for (model, arm, skill), group in graded.groupby(["model", "arm", "skill"], sort=True):
        est = pass_rate(group.passed.tolist())
        rows.append({"model": model, "arm": arm, "skill": skill, "trials": len(group),
                     "passed": int(group.passed.sum()), "pass_rate": str(est),
                     "mean_score": round(group.score.dropna().mean(), 3) if group.score.notna().any() else None,
                     "model_errors": int((group.status == "model_error").sum())})
    infra = df[df.status == "infra_error"].groupby(["model", "arm", "skill"]).size()
    out = pd.DataFrame(rows, columns=["model", "arm", "skill", "trials", "passed", "pass_rate", "mean_score",
                                      "model_errors"])
    out["infra_errors"] = [int(infra.get((r.model, r.arm, r.skill), 0)) for r in out.itertuples()]
    return out


def rates_table(arms: pd.DataFrame) -> pd.DataFrame:
    k = int(arms.k.max()) if not arms.empty else 0
    rows = []
    for a in arms.itertuples():
        row = {"model": a.model, "arm": a.variant, "tasks": a.tasks, "trials": a.trials, "passed": a.passed,
               "pass rate [95% CI]": fmt_rate(a.rate), "interval": a.method}
        if k > 1:
            row[f"pass@{a.k}"] = fmt_rate(a.pass_at_k)
            row[f"pass^{a.k}"] = fmt_rate(a.pass_hat_k)
        row.update({"tests failed": a.tests_failed, "not durable": a.not_durable, "model errors": a.model_errors,
                    "infra errors": a.infra_errors})
        rows.append(row)
    return pd.DataFrame(rows)


def uplift_table(uplift: pd.DataFrame, per_category: bool) -> pd.DataFrame:
    part = uplift[(uplift.category != "all") if per_category else (uplift.category == "all")]
    rows = []
    for u in part.itertuples():
        r: Paired = u.result
        row = {"model": u.model, "arm": u.variant}
        if per_category:
            row["category"] = u.category
        row.update({"tasks": r.n_tasks, "none": fmt_pct(r.baseline_rate), "with skill": fmt_pct(r.candidate_rate),
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


def hidden_test_log(run_root: Path | None, record: dict[str, Any]) -> str | None:
    """The hidden-test output of a trial (its last grading attempt), when the run folder has it."""
    if run_root is None:
        return None
    check = next((c for c in record.get("checks") or [] if c.get("name") == "hidden_tests"), None)
    if not check or not check.get("log"):
        return None
    attempts = record.get("attempts") or 1
    logs = run_root / "trials" / record["trial_id"] / ("logs" if attempts <= 1 else f"logs.attempt{attempts}")
    try:
        return (logs / check["log"]).read_text(errors="replace")
    except OSError:
        return None


def failed_trials_table(df: pd.DataFrame, limit: int = 200, records: list[dict[str, Any]] | None = None,
                        run_root: Path | None = None) -> tuple[pd.DataFrame, int]:
    bad = analysis.graded(df)
    bad = bad[~bad.passed].sort_values(["task_id", "model", "variant", "epoch"])
    by_id = {r["trial_id"]: r for r in records or []}
    rows = [{"trial": b.trial_id, "status": b.status, "reason": b.reason,
             "tests": f"{b.tests_passed}/{b.tests_total}" if b.tests_total else "-",
             "durable": "no" if b.not_durable else "-",
             "failing tests": failing_tests(b.failing, hidden_test_log(run_root, by_id[b.trial_id])
                                            if b.trial_id in by_id else None),
             "rules": ", ".join(b.rules)} for b in bad.head(limit).itertuples()]
    return pd.DataFrame(rows), len(bad)


def headline(uplift: pd.DataFrame, alpha: float = ALPHA) -> list[str]:
    """Per model and skill arm: the pass-rate uplift, and beside it the rule-violation change with its verdict."""
    lines = []
    for u in uplift[uplift.category == "all"].itertuples():
        lines.append(f"- **{u.model}**: " + describe_paired(u.result, NONE, u.variant, alpha))
        lines.append(f"  - {describe_violations(u.violations, NONE, u.variant, alpha)}")
    return lines


def markdown(run_id: str, manifest: dict[str, Any], records: list[dict[str, Any]],
             result: analysis.RunAnalysis | None = None, run_root: Path | None = None) -> str:
    result = result or analysis.analyze(records)
    df = result.trials
    lines = [f"# dbos-skill-eval run `{run_id}`", "",
             f"Models: {', '.join(manifest.get('models', []))}; arms: {', '.join(manifest.get('arms', []))}; "
             f"epochs: {manifest.get('epochs')}; trials: {len(df)}; sandbox: {manifest.get('sandbox')}; "
             f"git: {(manifest.get('git_revision') or 'unknown')[:12]}", ""]
    if df.empty:
        return "\n".join(lines + ["No trials recorded."]) + "\n"
    arms, uplift, rules = result.arms, result.uplift, result.rules
    infra = df[df.status == "infra_error"]
    if not uplift.empty:
        lines += ["## Skill uplift", ""] + headline(uplift) + [""]
    lines += ["## Power", "", *power_lines(result.power, result.test), "", POWER_NOTE, ""]
    lines += ["## Pass rate per model and arm", "",
              "95% intervals: Wilson when every task ran once; otherwise a bootstrap over tasks (epochs of one task "
              "are not independent). Infra errors are excluded from every denominator; model errors count as "
              "failures.", "", md_table(rates_table(arms)), ""]
    if not uplift.empty:
        lines += ["## Skill uplift (arm minus none, paired by task)", "",
                  f"Per task: pass rate with the skill minus without (mean over epochs); the interval is a bootstrap "
                  f"over tasks (optimistic under ~10 tasks). p-values of three paired tests on the per-task "
                  f"differences: the {result.test} test decides; the permutation test uses the size of each "
                  f"change, the sign test only its direction (McNemar with one epoch), Wilcoxon its rank. Score: "
                  f"the same pairing on the trial score (0-1).", "", md_table(uplift_table(uplift, False)), "",
                  "### Rule violations with and without the skill", "",
                  "Share of graded trials with at least one rule violation, paired by task like the pass rate; more "
                  "violations with the skill is a regression of its own.", "", md_table(violations_table(uplift)),
                  "", "### Per category", "", md_table(uplift_table(uplift, True)), ""]
    lines += ["## Rule violations", "",
              "Share of graded trials with at least one violation of the rule, per arm; for skill arms the change "
              "against none, the tasks where it is violated less / more often, and the sign test.", "",
              md_table(rules_pivot(rules)) if not rules.empty else "No rule violations.", "",
              "## Failures: hidden tests vs durability", "", md_table(failures_table(arms, df)), "",
              "## Task x arm matrix (passed/graded trials)", "", md_table(matrix_table(df)), "",
              "## Tokens, cost and time per arm", "", md_table(usage_md(result.usage)), ""]
    from harness.cost_report import cost_and_skill_section  # real models: cost, paid, skill activation

    lines += cost_and_skill_section(records)
    failed, n_failed = failed_trials_table(df, records=records, run_root=run_root)
    if n_failed:
        more = f" (first {len(failed)} of {n_failed})" if n_failed > len(failed) else ""
        lines += [f"## Failed trials{more}", "", md_table(failed), ""]
    if not infra.empty:
        lines += [f"## Infra errors ({len(infra)}, not counted as model failures)", "",
                  md_table(infra[["trial_id", "reason", "detail"]].rename(columns={"trial_id": "trial"})), ""]
    return "\n".join(lines)


def write_report(run_root: Path, run_id: str, manifest: dict[str, Any], records: list[dict[str, Any]]) -> Path:
    """report.md, report.html and junit.xml in the run folder; returns the Markdown path."""
    from harness.junit import write_junit
    from harness.report_html import write_html

    result = analysis.analyze(records)
    path = run_root / "report.md"
    path.write_text(markdown(run_id, manifest, records, result, run_root))
    write_html(run_root, run_id, manifest, records, result)
    write_junit(run_root / "junit.xml", run_id, records)
    return path


def terminal_table(records: list[dict[str, Any]], limit: int = 100) -> Table:
    """Every trial of a small run; of a large one only the trials that did not pass (at most ``limit``)."""
    df = frame(records)
    table = Table(title="Results per task")
    if len(df) > limit:
        shown = df[~df.passed].head(limit)
        table.title = f"Trials that did not pass ({len(shown)} of {int((~df.passed).sum())} shown; all in report.html)"
        df = shown
    for col in ("task", "model", "arm", "status", "passed", "tests", "durable", "violations", "reason"):
        table.add_column(col)
    for r in df.sort_values(["task_id", "model", "arm"]).itertuples():
        ok = "[green]yes[/]" if r.passed else ("[yellow]-[/]" if r.status == "infra_error" else "[red]no[/]")
        table.add_row(r.task_id, r.model, f"{r.arm}{'' if r.skill == '-' else ' ' + r.skill}", r.status, ok,
                      r.tests, r.durable, str(r.violations), r.reason)
    return table
