"""The A/A noise floor: one configuration compared with itself.

Two sides that differ only by chance: two runs of the same configuration (``compare --aa RUN_A RUN_B``), or the
epochs of one run split in two (``compare --aa RUN``: odd epochs against even ones). Per model x arm it reports
how many tasks flipped (their pass rate differs between the sides), the decision test's verdict on this pair
(any "significant" is a false alarm by construction), and the test's **false-alarm rate on real data**: the
share of ``splits`` random re-splits of the pooled trials of each task (sizes kept; under A/A the trials are
exchangeable) that the test calls significant at ``alpha``. A difference between two arms or runs smaller than
what flips here is noise.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from harness import analysis, stats
from harness.errors import UserError
from harness.report_format import fmt_delta

SPLITS = 200


@dataclass(frozen=True)
class AAPair:
    model: str
    variant: str
    result: analysis.Paired  # side B minus side A, paired by task
    flipped: tuple[str, ...]  # tasks whose pass rate differs between the sides
    false_alarms: int  # random re-splits the decision test called significant
    splits: int

    @property
    def false_alarm_rate(self) -> float:
        return self.false_alarms / self.splits if self.splits else float("nan")


@dataclass(frozen=True)
class AAResult:
    side_a: str
    side_b: str
    how: str  # "two runs" or "epochs of one run"
    alpha: float
    test: str
    pairs: tuple[AAPair, ...]

    @property
    def tasks(self) -> int:
        return sum(p.result.n_tasks for p in self.pairs)

    @property
    def flipped(self) -> int:
        return sum(len(p.flipped) for p in self.pairs)

    @property
    def observed_alarms(self) -> int:
        return sum(p.result.p_value < self.alpha for p in self.pairs)

    @property
    def false_alarm_rate(self) -> float:
        splits = sum(p.splits for p in self.pairs)
        return sum(p.false_alarms for p in self.pairs) / splits if splits else float("nan")


def split_epochs(df: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Odd epochs against even epochs of one run; a ``UserError`` when it has a single epoch."""
    if df.epoch.nunique() < 2:
        raise UserError("compare --aa RUN: the run has one epoch; give two runs of the same configuration, or "
                        "run it with --epochs 2 or more")
    return df[df.epoch % 2 == 1], df[df.epoch % 2 == 0]


def _false_alarms(a: pd.DataFrame, b: pd.DataFrame, test: str, alpha: float, splits: int,
                  seed: int) -> int:
    """Random re-splits of each task's pooled graded trials into groups of the original sizes; how many of them
    the test calls significant."""
    rng = np.random.default_rng(seed)
    ga, gb = analysis.graded(a), analysis.graded(b)
    tasks = sorted(set(ga.task_id) & set(gb.task_id))
    if not tasks or not splits:
        return 0
    diffs = np.zeros((splits, len(tasks)))
    for j, task in enumerate(tasks):
        pa = ga[ga.task_id == task].passed.to_numpy(float)
        pb = gb[gb.task_id == task].passed.to_numpy(float)
        pooled = np.concatenate([pa, pb])
        for i in range(splits):
            order = rng.permutation(pooled)
            diffs[i, j] = order[len(pa):].mean() - order[:len(pa)].mean()
    p = stats.paired_pvalues(test, diffs, seed=seed, resamples=2000)
    return int((p < alpha).sum())


def aa(a: pd.DataFrame, b: pd.DataFrame, *, side_a: str, side_b: str, how: str, alpha: float = 0.05,
       test: str = stats.DEFAULT_TEST, splits: int = SPLITS, seed: int = analysis.SEED) -> AAResult:
    """``a`` and ``b``: trial frames (``analysis.trials_frame``) of the same configuration. Models pair by id; a
    side with a single model pairs with the other's single model whatever its id (a ``replay:<run>`` of it)."""
    pairs = []
    shared = sorted(set(a.model) & set(b.model))
    if not shared and a.model.nunique() == 1 and b.model.nunique() == 1:
        model_a, model_b = a.model.iloc[0], b.model.iloc[0]
        b = b.assign(model=model_a)
        shared = [model_a]
        side_b = f"{side_b} ({model_b})"
    for model in shared:
        for variant in analysis.variants(a[a.model == model]):
            sa, sb = analysis.side(a, model, variant), analysis.side(b, model, variant)
            if analysis.graded(sb).empty:
                continue
            result = analysis.paired(sa, sb, seed, test=test)
            if not result.n_tasks:
                continue
            flipped = tuple(result.tasks[result.tasks["diff"].abs() > 1e-12].task_id)
            pairs.append(AAPair(model, variant, result, flipped,
                                _false_alarms(sa, sb, test, alpha, splits, seed), splits))
    if not pairs:
        raise UserError(f"compare --aa: {side_a} and {side_b} share no graded model, arm and task")
    return AAResult(side_a, side_b, how, alpha, test, tuple(pairs))


def table(result: AAResult) -> pd.DataFrame:
    return pd.DataFrame([{
        "model": p.model, "arm": p.variant, "tasks": p.result.n_tasks,
        "flipped": f"{len(p.flipped)}/{p.result.n_tasks}",
        "B - A [95% CI]": fmt_delta(p.result.difference),
        f"{result.test} p": f"{p.result.p_value:.3f}",
        "verdict": "false alarm" if p.result.p_value < result.alpha else "no difference (correct)",
        f"false-alarm rate ({p.splits} re-splits)": f"{p.false_alarm_rate:.1%}",
        "tasks that flipped": ", ".join(p.flipped) or "-",
    } for p in result.pairs])


def summary(result: AAResult) -> str:
    """The noise floor in one sentence."""
    return (f"A/A noise floor ({result.how}: {result.side_a} vs {result.side_b}): {result.flipped} of "
            f"{result.tasks} task-arm pairs flipped; the {result.test} test called {result.observed_alarms} of "
            f"{len(result.pairs)} arm(s) significant at {result.alpha:g} (each one a false alarm); its false-alarm "
            f"rate over random re-splits of the same trials: {result.false_alarm_rate:.1%} (nominal "
            f"{result.alpha:.0%}).")


def markdown(result: AAResult, level: int = 1) -> str:
    h = "#" * level
    return "\n".join([f"{h} A/A noise floor", "", summary(result), "",
                      "Flipped: the task's pass rate differs between the two sides. False-alarm rate: the share of "
                      "random re-splits of each task's pooled trials (side sizes kept) that the decision test "
                      "calls significant: the test's level on this data.", "",
                      table(result).to_markdown(index=False), ""])


def html(result: AAResult) -> str:
    return (f"<h2>A/A noise floor</h2><p>{escape(summary(result))}</p>"
            + table(result).to_html(index=False, border=0, escape=True))
