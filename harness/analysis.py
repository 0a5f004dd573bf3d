"""From trial records to the tables a report shows: rates per arm, paired skill uplift, rule deltas, costs.

Vocabulary: a *variant* is an arm with its skill version (``none``, ``inline:skill``, ``tool:v2``), because one
run may hold several skill versions under the same arm. Infra errors are never in a denominator (they are
our failures, not the model's); a model error counts as a failed trial. Paired analyses compare per-task
pass rates (the mean over epochs), so a task counts once however many epochs it ran. The numbers come from
``harness.stats``; nothing here formats.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

import pandas as pd

from harness import stats
from harness.records import TrialRecord
from harness.stats import Estimate

SEED = 20240601  # every bootstrap in a report uses this seed: the same records give the same report
NONE = "none"
PLACEBO = "placebo"
ARM_ORDER = (NONE, "inline", PLACEBO, "tool", "tool-forced", "index")
ON_DEMAND = ("tool", "tool-forced", "index")  # arms where the model decides whether to read the skill

TRIAL_COLUMNS = ["trial_id", "key", "task_id", "task_hash", "category", "model", "arm", "skill", "skill_hash",
                 "variant", "epoch", "status", "graded", "passed", "score", "reason", "detail", "tests_passed",
                 "tests_total", "tests_failed", "not_durable", "durable", "failing", "rules", "n_violations",
                 "violated", "input_tokens", "output_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd",
                 "calls", "skill_reads", "generation_s", "grading_s", "duration_s", "skill_files", "read_skill_md",
                 "first_read_turn"]


def variant_of(arm: str, skill_label: str | None) -> str:
    return NONE if arm == NONE or not skill_label else f"{arm}:{skill_label}"


def trials_frame(records: Iterable[TrialRecord]) -> pd.DataFrame:
    """The one flattening of records into the analysis frame: one row per trial with the fields the analyses
    need (a failed check is ``True`` in ``tests_failed`` / ``not_durable``; a check that did not run is ``False``)."""
    rows = []
    for r in records:
        hidden = next((c for c in r.checks if c.get("name") == "hidden_tests"), None)
        tests = r.tests or {}
        durable = (r.durability or {}).get("passed")
        rows.append({
            "trial_id": r.trial_id, "key": r.key, "task_id": r.task_id, "task_hash": r.task_hash,
            "category": r.category or "-", "model": r.model, "arm": r.arm,
            "skill": r.skill_label or "-", "skill_hash": r.skill_hash,
            "variant": variant_of(r.arm, r.skill_label), "epoch": r.epoch or 1,
            "status": r.status, "graded": r.status != "infra_error", "passed": bool(r.passed),
            "score": r.score, "reason": r.reason or "", "detail": r.detail or "",
            "tests_passed": tests.get("passed"), "tests_total": tests.get("total"),
            "tests_failed": bool(hidden is not None and hidden.get("passed") is False)
            or bool(tests and tests.get("passed", 0) < tests.get("total", 0)),
            "not_durable": durable is False,
            "durable": {True: "yes", False: "no", None: "-"}[durable],
            "failing": tuple(r.failing_tests),
            "rules": tuple(sorted({v["rule"] for v in r.violations})),
            "n_violations": len(r.violations), "violated": bool(r.violations),
            **{k: r.usage.get(k, 0) or 0 for k in ("input_tokens", "output_tokens", "cache_read_tokens",
                                                   "cache_write_tokens", "cost_usd", "calls")},
            "skill_reads": len(r.skill_files_read),
            "generation_s": r.generation_s, "grading_s": r.grading_s, "duration_s": r.duration_s,
            "skill_files": r.skill_files_read,
            "read_skill_md": "SKILL.md" in r.skill_files_read,
            "first_read_turn": min((turn for _, turn in r.skill_reads), default=float("nan")),
        })
    return pd.DataFrame(rows, columns=TRIAL_COLUMNS)


def graded(df: pd.DataFrame) -> pd.DataFrame:
    return df[df.graded]


def variants(df: pd.DataFrame) -> list[str]:
    """Variants in report order: ``none`` first, then by arm (in ``ARM_ORDER``) and skill."""
    def key(v: str) -> tuple[int, str]:
        arm, _, skill = v.partition(":")
        return (ARM_ORDER.index(arm) if arm in ARM_ORDER else len(ARM_ORDER), skill)
    return sorted(df.variant.unique(), key=key)


def per_task(df: pd.DataFrame) -> pd.DataFrame:
    """Graded trials of one side (one model and variant) per task: n, passed, rate."""
    g = graded(df).groupby("task_id", sort=True)
    out = pd.DataFrame({"category": g.category.first(), "n": g.size(), "passed": g.passed.sum().astype(int)})
    out["rate"] = out.passed / out.n
    return out


def rate_estimate(df: pd.DataFrame, seed: int = SEED) -> tuple[Estimate, str]:
    """Pass rate of graded trials: Wilson when each task ran once, a bootstrap over tasks when epochs cluster
    trials by task. Returns the estimate and the name of the interval's method."""
    tasks = per_task(df)
    if tasks.empty:
        return stats.wilson(0, 0), "wilson"
    if int(tasks.n.max()) <= 1 or len(tasks) < 2:
        return stats.wilson(int(tasks.passed.sum()), int(tasks.n.sum())), "wilson"
    return stats.clustered_rate(tasks.passed.tolist(), tasks.n.tolist(), seed=seed), "bootstrap over tasks"


def arm_summary(df: pd.DataFrame, seed: int = SEED) -> pd.DataFrame:
    """Per model x variant: graded trials, passes, the pass rate with its interval, pass@k and pass^k (one k for
    the whole run: the fewest graded epochs of any task of any arm, when above 1), failure kinds and errors."""
    rows = []
    counts = graded(df).groupby(["model", "variant", "task_id"]).size()
    k = int(counts.min()) if len(counts) else 0
    for (model, variant), side in df.groupby(["model", "variant"], sort=True):
        ok = graded(side)
        est, method = rate_estimate(side, seed)
        tasks = per_task(side)
        row = {"model": model, "variant": variant, "tasks": len(tasks), "trials": len(ok),
               "passed": int(ok.passed.sum()), "rate": est, "method": method, "k": k,
               "pass_at_k": None, "pass_hat_k": None,
               "tests_failed": int(ok.tests_failed.sum()), "not_durable": int(ok.not_durable.sum()),
               "model_errors": int((ok.status == "model_error").sum()),
               "infra_errors": int((side.status == "infra_error").sum()),
               "mean_score": float(ok.score.dropna().mean()) if ok.score.notna().any() else None}
        if k > 1:
            row["pass_at_k"] = stats.bootstrap_mean(
                [stats.pass_at_k(int(t.n), int(t.passed), k) for t in tasks.itertuples()], seed=seed)
            row["pass_hat_k"] = stats.bootstrap_mean(
                [stats.pass_hat_k(int(t.n), int(t.passed), k) for t in tasks.itertuples()], seed=seed)
        rows.append(row)
    out = pd.DataFrame(rows, columns=["model", "variant", "tasks", "trials", "passed", "rate", "method", "k",
                                      "pass_at_k", "pass_hat_k", "tests_failed", "not_durable", "model_errors",
                                      "infra_errors", "mean_score"])
    order = {v: i for i, v in enumerate(variants(df))} if not df.empty else {}
    return out.sort_values(["model", "variant"], key=lambda s: s.map(order) if s.name == "variant" else s,
                           ignore_index=True)


OUTCOMES = {"passed": "pass rate", "violated": "rule-violation rate", "score": "score"}


@dataclass(frozen=True)
class Paired:
    """A paired comparison of two sides on the tasks both graded, for one per-trial ``outcome`` (``passed``,
    ``violated``: at least one rule violation, or ``score``): ``difference`` is the mean of per-task
    (candidate mean - baseline mean) with a bootstrap interval over tasks; ``p_values`` holds every paired test
    of ``stats.TESTS`` on those differences, and ``test`` names the one that decides (``p_value``).
    ``improved`` / ``worsened`` count the tasks whose mean went up / down (for violations up is worse)."""

    outcome: str
    difference: Estimate
    baseline_rate: float
    candidate_rate: float
    improved: int
    worsened: int
    ties: int
    p_values: Mapping[str, float]
    test: str
    tasks: pd.DataFrame  # task_id, category, base_n, base_passed, base_rate, cand_n, cand_passed, cand_rate, diff, p

    @property
    def n_tasks(self) -> int:
        return len(self.tasks)

    @property
    def p_value(self) -> float:
        return self.p_values[self.test]


def per_task_outcome(df: pd.DataFrame, outcome: str = "passed") -> pd.DataFrame:
    """Graded trials of one side per task: n, the sum of ``outcome`` (``passed`` for pass counts), its mean
    (``rate``). A graded trial without a score (a model error) scores 0."""
    ok = graded(df)
    values = ok[outcome].astype(float).fillna(0.0) if outcome == "score" else ok[outcome].astype(float)
    g = values.groupby(ok.task_id, sort=True)
    out = pd.DataFrame({"category": ok.groupby("task_id", sort=True).category.first(), "n": g.size(),
                        "passed": g.sum()})
    out["rate"] = out.passed / out.n
    return out


def paired(baseline: pd.DataFrame, candidate: pd.DataFrame, seed: int = SEED, *, test: str = stats.DEFAULT_TEST,
           outcome: str = "passed") -> Paired:
    """Pair two sides (trial frames of one model and variant each) by task."""
    if test not in stats.TESTS:
        raise ValueError(f"unknown test {test!r} (known: {', '.join(stats.TESTS)})")
    base, cand = per_task_outcome(baseline, outcome), per_task_outcome(candidate, outcome)
    tasks = base.merge(cand.drop(columns="category"), how="inner", left_index=True, right_index=True,
                       suffixes=("_b", "_c"))
    tasks = pd.DataFrame({
        "task_id": tasks.index, "category": tasks.category, "base_n": tasks.n_b, "base_passed": tasks.passed_b,
        "base_rate": tasks.rate_b, "cand_n": tasks.n_c, "cand_passed": tasks.passed_c, "cand_rate": tasks.rate_c,
    }).reset_index(drop=True)
    tasks["diff"] = tasks.cand_rate - tasks.base_rate
    binary = outcome != "score"  # Fisher's test per task needs counts
    tasks["p"] = [stats.fisher_exact(int(t.base_passed), int(t.base_n), int(t.cand_passed), int(t.cand_n))
                  if binary else float("nan") for t in tasks.itertuples()]
    eps = 1e-12
    improved, worsened = int((tasks["diff"] > eps).sum()), int((tasks["diff"] < -eps).sum())
    diffs = tasks["diff"].tolist()
    return Paired(
        outcome=outcome, difference=stats.bootstrap_mean(diffs, seed=seed),
        baseline_rate=float(tasks.base_rate.mean()) if len(tasks) else float("nan"),
        candidate_rate=float(tasks.cand_rate.mean()) if len(tasks) else float("nan"),
        improved=improved, worsened=worsened, ties=len(tasks) - improved - worsened,
        p_values=MappingProxyType({name: stats.paired_test(name, diffs, seed=seed) for name in stats.TESTS}),
        test=test, tasks=tasks)


@dataclass(frozen=True)
class Power:
    """The smallest drop in mean per-task pass rate (a fraction; NaN: none detectable) that a comparison of this
    many tasks and epochs, from these per-task rates, would detect with 80% power, under each test."""

    tasks: int
    epochs: int
    mde: Mapping[str, float]

    def points(self, test: str) -> str:
        """``18`` (points), or ``none`` when no drop is detectable at 80% power."""
        mde = self.mde.get(test, float("nan"))
        return "none" if math.isnan(mde) else f"{mde * 100:.0f}"

    def sentence(self, test: str = stats.DEFAULT_TEST) -> str:
        """"this run could detect a drop of ≥ 18 points at 80% power (...)", or why it could not."""
        size = f"{self.tasks} task(s) x {self.epochs} epoch(s)"
        sign = f"; sign test: {self.points('sign')}" if test != "sign" and "sign" in self.mde else ""
        if self.points(test) == "none":
            return f"no drop is detectable at 80% power with {size} ({test} test{sign}): add tasks"
        return f"this run could detect a drop of ≥ {self.points(test)} points at 80% power ({size}, {test} test{sign})"


def power_for(passed: Sequence[float], totals: Sequence[float], tests: Sequence[str] = ("permutation", "sign"),
              alpha: float = 0.05, seed: int = SEED, epochs: int | None = None) -> Power:
    """Power of a comparison from one side's per-task counts: its task count, ``epochs`` (default: its fewest
    per task), and its per-task rates shrunk by half a trial (``stats.shrunk_rates``)."""
    if not len(totals):
        return Power(0, 0, MappingProxyType({t: float("nan") for t in tests}))
    epochs = int(min(totals)) if epochs is None else epochs
    rates = stats.shrunk_rates(passed, totals)
    return Power(len(totals), epochs, MappingProxyType({
        t: stats.min_detectable_drop(rates, epochs, test=t, alpha=alpha, seed=seed, replicates=200,
                                     resamples=500) for t in tests}))


def power_table(df: pd.DataFrame, tests: Sequence[str] = ("permutation", "sign"), alpha: float = 0.05,
                seed: int = SEED) -> pd.DataFrame:
    """Per model x variant: the ``Power`` of comparing a future run against this one, under ``tests``."""
    rows = []
    for (model, variant), part in graded(df).groupby(["model", "variant"], sort=True):
        tasks = per_task(part)
        rows.append({"model": model, "variant": variant,
                     "power": power_for(tasks.passed.tolist(), tasks.n.tolist(), tests, alpha, seed)})
    out = pd.DataFrame(rows, columns=["model", "variant", "power"])
    order = {v: i for i, v in enumerate(variants(df))} if not df.empty else {}
    return out.sort_values(["model", "variant"], key=lambda s: s.map(order) if s.name == "variant" else s,
                           ignore_index=True)


def side(df: pd.DataFrame, model: str, variant: str) -> pd.DataFrame:
    return df[(df.model == model) & (df.variant == variant)]


def placebo_of(variant: str) -> str | None:
    """The placebo variant a skill variant is measured against for its content effect (same skill version)."""
    arm, _, skill = variant.partition(":")
    return None if arm in (NONE, PLACEBO) or not skill else f"{PLACEBO}:{skill}"


def uplift(df: pd.DataFrame, seed: int = SEED, test: str = stats.DEFAULT_TEST, *,
           against: str = NONE) -> pd.DataFrame:
    """Skill uplift: every skill variant minus ``none`` of the same model (``against="placebo"``: every real skill
    variant minus the placebo of the same skill version, the *content* effect), paired by task, overall (category
    ``all``) and per category: the pass rate (``result``), the rule-violation rate (``violations``) and the
    score (``score``)."""
    rows = []
    for model in sorted(df.model.unique()):
        for variant in variants(df[df.model == model]):
            baseline = NONE if against == NONE else placebo_of(variant)
            if variant == NONE or baseline is None:
                continue
            base = side(df, model, baseline)
            if graded(base).empty:
                continue
            cand = side(df, model, variant)
            scopes = [("all", base, cand)] + [
                (cat, base[base.category == cat], cand[cand.category == cat])
                for cat in sorted(set(base.category) & set(cand.category))]
            for category, b, c in scopes:
                result = paired(b, c, seed, test=test)
                if result.n_tasks:
                    rows.append({"model": model, "variant": variant, "category": category, "result": result,
                                 "violations": paired(b, c, seed, test=test, outcome="violated"),
                                 "score": paired(b, c, seed, test=test, outcome="score")})
    return pd.DataFrame(rows, columns=["model", "variant", "category", "result", "violations", "score"])


def activation_table(df: pd.DataFrame, seed: int = SEED, test: str = stats.DEFAULT_TEST) -> pd.DataFrame:
    """Per model x on-demand variant (tool, tool-forced, index): of the trials that reached the model, how many
    opened the skill (read any file), read SKILL.md, at which turn the first read came (median), which references
    were read (file: trials), and the pass-rate uplift over ``none`` (paired by task) among the trials that opened
    it (``activated``) and those that did not (``inactive``; None when a group is empty). The split is
    observational: the model chooses to read, so the two groups may differ in more than the skill."""
    rows = []
    reached = df[df.reason != "model_api_error"]
    for (model, variant), part in reached.groupby(["model", "variant"], sort=True):
        if variant.split(":", 1)[0] not in ON_DEMAND or part.empty:
            continue
        opened = part.skill_files.map(bool)
        refs = Counter(f for files in part.skill_files for f in files if f != "SKILL.md")
        base = side(df, model, NONE)
        groups = {}
        for name, mask in (("activated", opened), ("inactive", ~opened)):
            group = part[mask]
            groups[name] = paired(base, group, seed, test=test) if len(graded(group)) and len(graded(base)) else None
        turns = part.first_read_turn.dropna()
        rows.append({"model": model, "variant": variant, "trials": len(part), "opened": int(opened.sum()),
                     "read_skill_md": int(part.read_skill_md.sum()),
                     "first_turn": float(turns.median()) if len(turns) else None,
                     "references": tuple(refs.most_common()), **groups})
    return pd.DataFrame(rows, columns=["model", "variant", "trials", "opened", "read_skill_md", "first_turn",
                                       "references", "activated", "inactive"])


def rule_table(df: pd.DataFrame) -> pd.DataFrame:
    """Per model x rule x variant: graded trials with at least one violation of the rule, the rate, the delta
    against ``none``, and a sign test over tasks on whether the skill variant violates it less."""
    ok = graded(df)
    rows = []
    for model in sorted(ok.model.unique()):
        mine = ok[ok.model == model]
        rules = sorted({rule for rs in mine.rules for rule in rs})
        base = mine[mine.variant == NONE]
        for rule in rules:
            hit = mine.rules.map(lambda rs, rule=rule: rule in rs)
            base_rate = float(hit[base.index].mean()) if len(base) else float("nan")
            per_task_base = hit[base.index].groupby(base.task_id).mean() if len(base) else pd.Series(dtype=float)
            for variant in variants(mine):
                part = mine[mine.variant == variant]
                rate = float(hit[part.index].mean())
                row = {"model": model, "rule": rule, "variant": variant, "trials": len(part),
                       "violating": int(hit[part.index].sum()), "rate": rate, "delta": None, "fewer": 0, "more": 0,
                       "p": None}
                if variant != NONE and len(base):
                    per_task_var = hit[part.index].groupby(part.task_id).mean()
                    diff = (per_task_var - per_task_base).dropna()
                    row.update(delta=rate - base_rate, fewer=int((diff < 0).sum()), more=int((diff > 0).sum()))
                    row["p"] = stats.sign_test(row["fewer"], row["more"])
                rows.append(row)
    return pd.DataFrame(rows, columns=["model", "rule", "variant", "trials", "violating", "rate", "delta", "fewer",
                                       "more", "p"])


def usage_table(df: pd.DataFrame) -> pd.DataFrame:
    """Tokens, cost and time per model x variant (all trials that reached the model, infra errors included:
    they were paid for)."""
    rows = []
    for (model, variant), part in df.groupby(["model", "variant"], sort=True):
        n = len(part)
        rows.append({"model": model, "variant": variant, "trials": n,
                     "input_tokens": int(part.input_tokens.sum()), "output_tokens": int(part.output_tokens.sum()),
                     "cache_read_tokens": int(part.cache_read_tokens.sum()),
                     "tokens_per_trial": float((part.input_tokens + part.output_tokens).mean()),
                     "cost_usd": float(part.cost_usd.sum()), "cost_per_trial": float(part.cost_usd.mean()),
                     "generation_s": float(part.generation_s.mean()), "grading_s": float(part.grading_s.mean()),
                     "duration_s": float(part.duration_s.sum()),
                     "read_skill": int((part.skill_reads > 0).sum()), "skill_reads": int(part.skill_reads.sum())})
    rows.sort(key=lambda r: (r["model"], r["variant"] != NONE, r["variant"]))
    return pd.DataFrame(rows, columns=["model", "variant", "trials", "input_tokens", "output_tokens",
                                       "cache_read_tokens", "tokens_per_trial", "cost_usd", "cost_per_trial",
                                       "generation_s", "grading_s", "duration_s", "read_skill", "skill_reads"])


def task_matrix(df: pd.DataFrame) -> pd.DataFrame:
    """Task x (model, variant): graded passes and trials, for the matrix; NaN where a task did not run."""
    ok = graded(df)
    if ok.empty:
        return pd.DataFrame()
    g = ok.groupby(["task_id", "model", "variant"]).passed.agg(["sum", "count"])
    g["rate"] = g["sum"] / g["count"]
    return g.reset_index()


@dataclass(frozen=True)
class RunAnalysis:
    """Everything a run's reports show, computed once."""

    trials: pd.DataFrame
    arms: pd.DataFrame
    uplift: pd.DataFrame
    rules: pd.DataFrame
    usage: pd.DataFrame
    power: pd.DataFrame
    test: str = stats.DEFAULT_TEST
    content: pd.DataFrame = field(default_factory=pd.DataFrame)  # uplift over placebo (``uplift(against=...)``)
    activation: pd.DataFrame = field(default_factory=pd.DataFrame)


def analyze(records: Iterable[TrialRecord], seed: int = SEED, test: str = stats.DEFAULT_TEST) -> RunAnalysis:
    df = trials_frame(records)
    return RunAnalysis(df, arm_summary(df, seed), uplift(df, seed, test), rule_table(df), usage_table(df),
                       power_table(df, tuple(dict.fromkeys((test, "sign"))), seed=seed), test,
                       uplift(df, seed, test, against=PLACEBO), activation_table(df, seed, test))
