"""Statistics as pure functions: plain sequences and an explicit seed in, a frozen ``Estimate`` out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import stats as scipy_stats


@dataclass(frozen=True)
class Estimate:
    value: float
    lo: float
    hi: float
    n: int

    def __str__(self) -> str:
        if self.n == 0:
            return "n/a"
        if math.isnan(self.lo):
            return f"{self.value:.0%}"
        return f"{self.value:.0%} [{self.lo:.0%}, {self.hi:.0%}]"


def wilson(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """Wilson score interval for a binomial proportion (good at small n and at 0% / 100%)."""
    if n == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    z = scipy_stats.norm.ppf(1 - (1 - confidence) / 2)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half), n)


def pass_rate(outcomes: Sequence[bool], confidence: float = 0.95) -> Estimate:
    return wilson(sum(bool(o) for o in outcomes), len(outcomes), confidence)


@lru_cache(maxsize=4096)  # pure and called per task and per rule: the same few counts recur
def sign_test(improved: int, worsened: int) -> float:
    """Exact two-sided sign test on discordant pairs (ties dropped): the p-value of ``improved`` wins against
    ``worsened`` losses under "no difference" (each discordant pair a fair coin). With one binary outcome per
    task this is the exact McNemar test. 6-0 gives 0.03125, 5-0 gives 0.0625; no discordant pair gives 1."""
    n = improved + worsened
    if n == 0:
        return 1.0
    return float(scipy_stats.binomtest(improved, n, 0.5, alternative="two-sided").pvalue)


@lru_cache(maxsize=4096)
def fisher_exact(a_passed: int, a_n: int, b_passed: int, b_n: int) -> float:
    """Two-sided Fisher exact p-value for two pass counts (one task's evidence across two arms or runs)."""
    if a_n == 0 or b_n == 0:
        return 1.0
    table = [[a_passed, a_n - a_passed], [b_passed, b_n - b_passed]]
    return float(scipy_stats.fisher_exact(table).pvalue)


def _percentile_interval(samples: np.ndarray, value: float, n: int, confidence: float) -> Estimate:
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(samples, [tail, 100 - tail])
    return Estimate(float(value), float(lo), float(hi), n)


def bootstrap_mean(values: Sequence[float], *, seed: int, resamples: int = 2000,
                   confidence: float = 0.95) -> Estimate:
    """Mean of ``values`` (one per cluster, e.g. per-task differences) with a percentile bootstrap interval
    from resampling the values with replacement; ``seed`` makes it reproducible. ``n`` is the cluster count.
    A percentile bootstrap is optimistic with few clusters (under about 10 the interval is too narrow): read it
    together with the exact sign test."""
    data = np.asarray(values, dtype=float)
    if data.size == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    if data.size == 1:  # one cluster says nothing about the spread: no interval rather than a zero-width one
        return Estimate(float(data[0]), float("nan"), float("nan"), 1)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    return _percentile_interval(means, data.mean(), data.size, confidence)


def clustered_rate(passed: Sequence[int], totals: Sequence[int], *, seed: int, resamples: int = 2000,
                   confidence: float = 0.95) -> Estimate:
    """Pooled pass rate sum(passed)/sum(totals) with a bootstrap interval over clusters (tasks): trials of one
    task over epochs are not independent, so the clusters, not the trials, are resampled. ``n`` is the trial
    count."""
    p = np.asarray(passed, dtype=float)
    t = np.asarray(totals, dtype=float)
    if p.size == 0 or t.sum() == 0:
        return Estimate(float("nan"), float("nan"), float("nan"), 0)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, p.size, size=(resamples, p.size))
    rates = p[idx].sum(axis=1) / np.maximum(t[idx].sum(axis=1), 1)
    return _percentile_interval(rates, p.sum() / t.sum(), int(t.sum()), confidence)


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k for one task: the chance that at least one of k trials drawn (without replacement) from
    n trials with c passes passes, 1 - C(n-c, k) / C(n, k)."""
    if not 0 < k <= n:
        raise ValueError(f"pass@k needs 0 < k <= n (k={k}, n={n})")
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def pass_hat_k(n: int, c: int, k: int) -> float:
    """pass^k for one task: the chance that all k trials drawn from n trials with c passes pass,
    C(c, k) / C(n, k) (reliability, not just capability)."""
    if not 0 < k <= n:
        raise ValueError(f"pass^k needs 0 < k <= n (k={k}, n={n})")
    return math.comb(c, k) / math.comb(n, k)
