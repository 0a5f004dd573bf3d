"""Compare two runs (or two arms of one run) on the tasks they share: the paired analysis of ``harness.analysis``
per model x arm, the tasks that regressed or improved with their evidence, and a verdict.

Two runs are refused (a ``UserError`` saying what differs) when they share no task, no model or no arm, when
every shared task changed content, or when they were graded against different dbos versions (``force``
overrides that last one). Smaller differences (grader revision, sandbox, epochs, skill version) are listed as
notes: they are usually what is being compared.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from harness import analysis, plots, stats
from harness.analysis import NONE, Paired, Power
from harness.errors import UserError
from harness.report_format import (
    FEWER,
    MORE,
    POWER_NOTE,
    SAME,
    fmt_delta,
    fmt_p,
    fmt_pct,
    md_table,
    p_phrase,
    test_order,
    violation_verdict,
)
from harness.report_html import page, table
from harness.results import RunDir

IMPROVED, REGRESSED, UNCHANGED = "improved", "regressed", "no detectable change"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a run's trials (optionally narrowed to one variant)."""

    label: str
    run_id: str
    manifest: dict[str, Any]
    trials: pd.DataFrame


@dataclass(frozen=True)
class PairResult:
    model: str
    base_variant: str
    cand_variant: str
    result: Paired
    verdict: str
    evidence: dict[str, str]  # task -> what the failing trials of the side that did worse show
    violations: Paired  # the rule-violation rate (trials with at least one violation), paired the same way
    violation_verdict: str  # report.MORE (a regression too), report.FEWER or report.SAME
    power: Power  # what a comparison of this size could detect

    @property
    def label(self) -> str:
        arm = self.base_variant if self.base_variant == self.cand_variant else \
            f"{self.base_variant} -> {self.cand_variant}"
        return f"{self.model} · {arm}"


@dataclass(frozen=True)
class Comparison:
    baseline: str
    candidate: str
    pairs: list[PairResult]
    alpha: float
    min_effect: float
    notes: list[str] = field(default_factory=list)
    test: str = stats.DEFAULT_TEST
    uplifts: pd.DataFrame = field(default_factory=pd.DataFrame)  # ``within_run_uplift`` of both sides
    agent_tools: tuple[str, str] = ("files", "files")  # the agent's tools on each side (files, or exec)

    @property
    def tools_line(self) -> str:
        b, c = self.agent_tools
        return f"Agent tools: {b}" if b == c else f"Agent tools: baseline {b}, candidate {c}"

    @property
    def verdict(self) -> str:
        """On the pass rate: regressed if any pair regressed, else improved if any improved."""
        verdicts = {p.verdict for p in self.pairs}
        return REGRESSED if REGRESSED in verdicts else IMPROVED if IMPROVED in verdicts else UNCHANGED

    @property
    def violation_verdict(self) -> str:
        """On the rule-violation rate: more violations if any pair has significantly more, else fewer if any has
        fewer."""
        verdicts = {p.violation_verdict for p in self.pairs}
        return MORE if MORE in verdicts else FEWER if FEWER in verdicts else SAME

    @property
    def regressed(self) -> bool:
        """A lower pass rate or more rule violations: either fails ``compare`` and ``nightly`` (exit 1)."""
        return self.verdict == REGRESSED or self.violation_verdict == MORE

    def tasks(self, direction: int) -> list[tuple[PairResult, Any]]:
        """(pair, task row) for tasks whose rate went down (-1) or up (+1)."""
        out = []
        for pair in self.pairs:
            for t in pair.result.tasks.itertuples():
                if (t.diff < -1e-12 and direction < 0) or (t.diff > 1e-12 and direction > 0):
                    out.append((pair, t))
        return out


def judge(result: Paired, alpha: float, min_effect: float) -> str:
    """Significant (the deciding test's p < alpha) and at least ``min_effect`` (a fraction) in mean per-task
    difference."""
    d = result.difference.value
    if result.n_tasks == 0 or math.isnan(d) or result.p_value >= alpha:
        return UNCHANGED
    if d <= -min_effect and d < 0:
        return REGRESSED
    if d >= min_effect and d > 0:
        return IMPROVED
    return UNCHANGED


def load_side(run: RunDir, variant: str | None = None) -> Side:
    df = analysis.trials_frame(run.records())
    if df.empty:
        raise UserError(f"{run.run_id}: the run has no trial records ({run.trials_path})")
    label = run.run_id
    if variant is not None:
        chosen = resolve_variant(df, variant, run.run_id)
        df = df[df.variant == chosen]
        label = f"{run.run_id} {chosen}"
    return Side(label, run.run_id, run.read_manifest(), df)


def resolve_variant(df: pd.DataFrame, spec: str, run_id: str) -> str:
    """``none``, ``inline``, ``inline:label``: an arm alone must name exactly one variant of the run."""
    known = analysis.variants(df)
    if spec in known:
        return spec
    matches = [v for v in known if v.split(":", 1)[0] == spec]
    if len(matches) == 1:
        return matches[0]
    what = "is ambiguous" if matches else "is not in the run"
    raise UserError(f"arm {spec!r} {what} {run_id} (arms there: {', '.join(known)})")


def incompatibilities(base: Side, cand: Side, force: bool) -> tuple[list[str], list[str], set[str]]:
    """(reasons to refuse, notes, task ids to exclude because their content changed)."""
    refuse, notes = [], []
    shared = set(base.trials.task_id) & set(cand.trials.task_id)
    if not shared:
        refuse.append(f"no task in common (baseline: {_few(base.trials.task_id)}; candidate: "
                      f"{_few(cand.trials.task_id)})")
    models = set(base.trials.model) & set(cand.trials.model)
    if not models:
        refuse.append(f"no model in common (baseline: {_few(base.trials.model)}; candidate: {_few(cand.trials.model)})")
    hashes_b = base.trials.dropna(subset=["task_hash"]).groupby("task_id").task_hash.first()
    hashes_c = cand.trials.dropna(subset=["task_hash"]).groupby("task_id").task_hash.first()
    changed = {t for t in shared if t in hashes_b and t in hashes_c and hashes_b[t] != hashes_c[t]}
    if shared and changed == shared:
        refuse.append(f"every shared task changed content between the runs ({_few(changed)}): they graded different "
                      "benchmarks")
    elif changed:
        notes.append(f"tasks whose files changed between the runs are left out: {_few(changed)}")
    rt_b, rt_c = base.manifest.get("dbos_runtime"), cand.manifest.get("dbos_runtime")
    if rt_b and rt_c and rt_b != rt_c:
        msg = f"graded against different dbos versions ({rt_b} vs {rt_c})"
        (notes if force else refuse).append(msg + ("" if force else "; pass --force to compare anyway"))
    for key, what in (("git_revision", "harness/grader revision"), ("sandbox", "sandbox"), ("epochs", "epochs")):
        vb, vc = base.manifest.get(key), cand.manifest.get(key)
        if base.run_id != cand.run_id and vb != vc:
            notes.append(f"{what} differs: {str(vb)[:12]} vs {str(vc)[:12]}")
    only_b, only_c = set(base.trials.task_id) - shared, set(cand.trials.task_id) - shared
    if shared and (only_b or only_c):
        notes.append(f"compared on the {len(shared)} shared task(s); only in baseline: {_few(only_b) or '-'}; only "
                     f"in candidate: {_few(only_c) or '-'}")
    return refuse, notes, changed


def _few(values: Any, limit: int = 6) -> str:
    items = sorted(set(values))
    return ", ".join(items[:limit]) + (f" and {len(items) - limit} more" if len(items) > limit else "")


def pair_variants(base: Side, cand: Side, model: str) -> list[tuple[str, str]]:
    """Variants to compare for one model: the same variant on both sides; else the same arm when each side has
    exactly one variant of it (a skill version renamed or changed); a single variant per side pairs as is."""
    vb = analysis.variants(base.trials[base.trials.model == model])
    vc = analysis.variants(cand.trials[cand.trials.model == model])
    if len(vb) == 1 and len(vc) == 1:
        return [(vb[0], vc[0])]
    pairs = [(v, v) for v in vb if v in vc]
    for v in vb:
        if v in vc:
            continue
        arm = v.split(":", 1)[0]
        same_b = [x for x in vb if x.split(":", 1)[0] == arm]
        same_c = [x for x in vc if x.split(":", 1)[0] == arm and x not in vb]
        if len(same_b) == 1 and len(same_c) == 1:
            pairs.append((v, same_c[0]))
    return sorted(pairs, key=lambda p: (p[0] != NONE, p))


def evidence(cand: pd.DataFrame, base: pd.DataFrame, task: str) -> str:
    """What the failing trials of a task show on the side that did worse: for a regression the candidate's
    (reasons, failing tests, violations new against the baseline); for an improvement the baseline's (what the
    candidate no longer does wrong: its reasons, failing tests, and violations the candidate dropped)."""
    rate = {name: part[(part.task_id == task) & part.graded].passed.mean() for name, part in
            (("base", base), ("cand", cand))}
    worse, other, label = (cand, base, "new violations") if rate["cand"] <= rate["base"] else \
        (base, cand, "fixed violations")
    failing = worse[(worse.task_id == task) & worse.graded & ~worse.passed]
    if failing.empty:
        return ""
    reasons = Counter(failing.reason.replace("", "failed"))
    tests = Counter(t for ts in failing.failing for t in ts)
    other_rules = {r for rs in other[other.task_id == task].rules for r in rs}
    changed = sorted({r for rs in failing.rules for r in rs} - other_rules)
    prefix = "" if worse is cand else "baseline: "
    parts = [prefix + ", ".join(f"{reason} x{n}" for reason, n in reasons.most_common())]
    if tests:
        parts.append("failing: " + ", ".join(t for t, _ in tests.most_common(3)))
    if changed:
        parts.append(f"{label}: " + ", ".join(changed))
    return "; ".join(parts)


def compare(base: Side, cand: Side, *, alpha: float = 0.05, min_effect: float = 0.0, model: str | None = None,
            force: bool = False, seed: int = analysis.SEED, test: str = stats.DEFAULT_TEST) -> Comparison:
    """Pair every model x arm the two sides share, decide each with ``test`` (one of ``stats.TESTS``) on the
    pass rate and on the rule-violation rate, and say what a comparison of this size could detect."""
    if test not in stats.TESTS:
        raise UserError(f"test {test!r}: unknown (known: {', '.join(stats.TESTS)})")
    refuse, notes, changed = incompatibilities(base, cand, force)
    if refuse:
        raise UserError(f"cannot compare {base.label} with {cand.label}: " + "; ".join(refuse))
    models = sorted(set(base.trials.model) & set(cand.trials.model))
    if model is not None:
        if model not in models:
            raise UserError(f"--model {model}: not in both runs (shared models: {', '.join(models)})")
        models = [model]
    pairs = []
    for m in models:
        for vb, vc in pair_variants(base, cand, m):
            b = analysis.side(base.trials, m, vb)
            c = analysis.side(cand.trials, m, vc)
            b, c = b[~b.task_id.isin(changed)], c[~c.task_id.isin(changed)]
            result = analysis.paired(b, c, seed, test=test)
            if result.n_tasks == 0:
                continue
            moved = result.tasks[result.tasks["diff"].abs() > 1e-12].task_id
            violations = analysis.paired(b, c, seed, test=test, outcome="violated")
            shared = result.tasks
            epochs = int(min(shared.base_n.min(), shared.cand_n.min()))
            power = analysis.power_for(shared.base_passed.tolist(), shared.base_n.tolist(),
                                       tuple(dict.fromkeys((test, "sign"))), alpha, seed, epochs=epochs)
            pairs.append(PairResult(m, vb, vc, result, judge(result, alpha, min_effect),
                                    {t: evidence(c, b, t) for t in moved}, violations,
                                    violation_verdict(violations, alpha, min_effect), power))
            hb, hc = _skill_hash(b), _skill_hash(c)
            if hb != hc and vb != NONE:
                notes.append(f"{m} {vc}: skill version {hb[:8] if hb else '-'} -> {hc[:8] if hc else '-'}")
    if not pairs:
        raise UserError(f"cannot compare {base.label} with {cand.label}: no model and arm graded the same tasks in "
                        "both")
    uplifts = pd.concat([within_run_uplift(s, seed, test) for s in (base, cand)], ignore_index=True)
    tools = (str(base.manifest.get("agent_tools") or "files"), str(cand.manifest.get("agent_tools") or "files"))
    if tools[0] != tools[1]:
        notes.append(f"the agents had different tools ({tools[0]} vs {tools[1]}): the difference includes what "
                     "running commands changes")
    return Comparison(base.label, cand.label, pairs, alpha, min_effect, notes, test, uplifts, tools)


def within_run_uplift(s: Side, seed: int = analysis.SEED, test: str = stats.DEFAULT_TEST) -> pd.DataFrame:
    """Each skill arm of one side against ``none`` and against the placebo of its skill version (the content
    effect), paired by task within the run; empty when the side has no skill arm beside ``none``."""
    over_none = analysis.uplift(s.trials, seed, test)
    over_placebo = analysis.uplift(s.trials, seed, test, against=analysis.PLACEBO)
    placebo = {(u.model, u.variant): u.result for u in over_placebo[over_placebo.category == "all"].itertuples()}

    def cell(result: Paired | None) -> str:
        return "-" if result is None else f"{fmt_delta(result.difference)} ({result.test} p {fmt_p(result.p_value)})"

    return pd.DataFrame([{"run": s.label, "model": u.model, "arm": u.variant, "over none": cell(u.result),
                          "over placebo (content)": cell(placebo.get((u.model, u.variant)))}
                         for u in over_none[over_none.category == "all"].itertuples()])


def _skill_hash(df: pd.DataFrame) -> str | None:
    hashes = df.skill_hash.dropna().unique()
    return str(hashes[0]) if len(hashes) else None


# ---- rendering ----

def verdict_line(c: Comparison) -> str:
    effect = f", at least {c.min_effect * 100:g} pp" if c.min_effect else ""
    worst = [p for p in c.pairs if p.verdict == c.verdict] if c.verdict != UNCHANGED else []
    detail = "; ".join(f"{p.label} {_fmt_delta(p.result)} (p {p_phrase(p.result.p_value)})" for p in worst)
    return (f"Verdict: **{c.verdict}** ({c.candidate} vs {c.baseline}, pass rate, {c.test} test at alpha "
            f"{c.alpha:g}{effect})" + (f": {detail}" if detail else ""))


def violations_line(c: Comparison) -> str:
    """The rule-violation verdict: more violations is a regression of its own (exit 1), fewer an improvement."""
    effect = f", at least {c.min_effect * 100:g} pp" if c.min_effect else ""
    worst = [p for p in c.pairs if p.violation_verdict == c.violation_verdict] if c.violation_verdict != SAME else []
    detail = "; ".join(f"{p.label} {fmt_pct(p.violations.baseline_rate)} -> {fmt_pct(p.violations.candidate_rate)} "
                       f"of trials (p {p_phrase(p.violations.p_value)})" for p in worst)
    word = "regressed: more violations" if c.violation_verdict == MORE else c.violation_verdict
    return (f"Violations verdict: **{word}** (share of trials with a rule violation, {c.test} test at alpha "
            f"{c.alpha:g}{effect})" + (f": {detail}" if detail else ""))


def power_line(pair: PairResult) -> str:
    return f"- **{pair.label}**: {pair.power.sentence(pair.result.test).replace('this run', 'this comparison')}"


def _mde(power: Power, test: str) -> str:
    points = power.points(test)
    return "none detectable" if points == "none" else f"{points} pp"


def _fmt_delta(result: Paired) -> str:
    return fmt_delta(result.difference)


def pairs_table(c: Comparison) -> pd.DataFrame:
    rows = []
    for p in c.pairs:
        row = {"model": p.model, "arm": p.base_variant if p.base_variant == p.cand_variant else
               f"{p.base_variant} -> {p.cand_variant}", "tasks": p.result.n_tasks,
               "baseline": fmt_pct(p.result.baseline_rate), "candidate": fmt_pct(p.result.candidate_rate),
               "difference [95% CI]": _fmt_delta(p.result), "better": p.result.improved,
               "worse": p.result.worsened, "same": p.result.ties}
        row.update({f"{t} p": fmt_p(p.result.p_values[t]) for t in test_order(p.result.test)})
        row.update({"verdict": p.verdict, "MDE (80% power)": _mde(p.power, p.result.test)})
        rows.append(row)
    return pd.DataFrame(rows)


def violations_table(c: Comparison) -> pd.DataFrame:
    rows = []
    for p in c.pairs:
        v = p.violations
        row = {"model · arm": p.label, "baseline": fmt_pct(v.baseline_rate), "candidate": fmt_pct(v.candidate_rate),
               "change [95% CI]": fmt_delta(v.difference), "tasks more": v.improved, "tasks fewer": v.worsened}
        row.update({f"{t} p": fmt_p(v.p_values[t]) for t in test_order(v.test)})
        row["verdict"] = p.violation_verdict
        rows.append(row)
    return pd.DataFrame(rows)


def moved_table(c: Comparison, direction: int) -> pd.DataFrame:
    rows = [{"task": t.task_id, "category": t.category, "model · arm": p.label,
             "baseline": f"{int(t.base_passed)}/{int(t.base_n)}", "candidate": f"{int(t.cand_passed)}/{int(t.cand_n)}",
             "Fisher p": fmt_p(t.p), "evidence": p.evidence.get(t.task_id, "")}
            for p, t in c.tasks(direction)]
    return pd.DataFrame(rows)


def markdown(c: Comparison, level: int = 1) -> str:
    """The comparison as Markdown; ``level`` 2 nests it under another report (without repeating the verdicts)."""
    head = [f"{'#' * level} Compare `{c.candidate}` against `{c.baseline}`", "", c.tools_line, ""]
    head += [verdict_line(c), "", violations_line(c), ""] if level == 1 else []
    sub = "#" * (level + 1)
    lines = [*head,
             "Per model and arm: per-task pass rates (mean over epochs) paired on the shared tasks; the interval is a "
             f"bootstrap over tasks; p-values of three paired tests on the per-task differences, the {c.test} test "
             "decides (the sign test counts only directions, the permutation test weighs sizes, Wilcoxon ranks).",
             "", md_table(pairs_table(c)), "",
             f"{sub} Rule violations", "",
             "Share of graded trials with at least one rule violation, paired by task the same way; significantly "
             "more violations is a regression too.", "", md_table(violations_table(c)), "",
             f"{sub} Power", "", *[power_line(p) for p in c.pairs], "",
             POWER_NOTE.replace("a future run against this one", "two runs of this size") + " Here: from the "
             "baseline's per-task rates on the shared tasks.", ""]
    regressed, improved = moved_table(c, -1), moved_table(c, +1)
    lines += [f"{sub} Tasks that regressed ({len(regressed)})", "", md_table(regressed), "",
              f"{sub} Tasks that improved ({len(improved)})", "", md_table(improved), ""]
    if not c.uplifts.empty:
        lines += [f"{sub} Skill uplift within each run (over none, and over placebo: the content effect)", "",
                  md_table(c.uplifts), ""]
    if c.notes:
        lines += [f"{sub} Notes", ""] + [f"- {n}" for n in c.notes] + [""]
    return "\n".join(lines)


def html(c: Comparison, extra: list[str] | None = None) -> str:
    cls = {REGRESSED: "regressed", IMPROVED: "improved"}.get(c.verdict, "unchanged")
    verdict = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(verdict_line(c)))
    vcls = {MORE: "regressed", FEWER: "improved"}.get(c.violation_verdict, "unchanged")
    vverdict = re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", escape(violations_line(c)))
    rows = [plots.Interval(p.label, p.result.difference.value, p.result.difference.lo, p.result.difference.hi,
                           plots.PALETTE[3] if p.verdict == REGRESSED else plots.PALETTE[2] if p.verdict == IMPROVED
                           else "#777") for p in c.pairs]
    body = [f"<h1>Compare <code>{escape(c.candidate)}</code> against <code>{escape(c.baseline)}</code></h1>",
            f"<p class='meta'>{escape(c.tools_line)}</p>",
            f"<p class='verdict {cls}'>{verdict}</p>", f"<p class='verdict {vcls}'>{vverdict}</p>",
            plots.interval_plot(rows, title="Candidate minus baseline, paired by task", lo=-1, hi=1, zero=0),
            table(pairs_table(c)), "<h2>Rule violations</h2>", table(violations_table(c)),
            "<h2>Power</h2><ul>" + "".join(f"<li>{escape(power_line(p)[2:].replace('**', ''))}</li>"
                                            for p in c.pairs) + "</ul>"]
    for pair in c.pairs:
        moved = pair.result.tasks.sort_values("diff")
        if len(moved):
            body.append(f"<h3>{escape(pair.label)}: per task</h3>")
            body.append(plots.dumbbell_plot([(t.task_id, t.base_rate, t.cand_rate) for t in moved.itertuples()],
                                            title=f"{pair.label}: per-task pass rate", names=("baseline", "candidate")))
    body += [f"<h2>Tasks that regressed ({len(moved_table(c, -1))})</h2>", table(moved_table(c, -1)),
             f"<h2>Tasks that improved ({len(moved_table(c, +1))})</h2>", table(moved_table(c, +1))]
    if not c.uplifts.empty:
        body += ["<h2>Skill uplift within each run (over none, and over placebo: the content effect)</h2>",
                 table(c.uplifts)]
    if c.notes:
        body.append("<h2>Notes</h2><ul>" + "".join(f"<li>{escape(n)}</li>" for n in c.notes) + "</ul>")
    return page(f"compare {c.candidate} vs {c.baseline}", body + (extra or []))


def write(c: Comparison, out_dir: Path, stem: str, extra_html: list[str] | None = None,
          extra_md: str = "") -> tuple[Path, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    md_path, html_path = out_dir / f"{stem}.md", out_dir / f"{stem}.html"
    md_path.write_text(markdown(c) + extra_md)
    html_path.write_text(html(c, extra_html))
    return md_path, html_path


def file_stem(*names: str) -> str:
    return "compare-" + "-vs-".join(re.sub(r"[^A-Za-z0-9._-]+", "_", n) for n in names)
