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


# ---- paired tests on per-task differences ----

TESTS = ("permutation", "sign", "wilcoxon")  # the decision tests a user can configure
DEFAULT_TEST = "permutation"
EXACT_MAX = 14  # up to this many non-zero differences, permutation tests enumerate every sign pattern
RESAMPLES = 10_000  # random sign patterns beyond EXACT_MAX (Monte Carlo p = (1 + hits) / (1 + resamples))
_EPS = 1e-9


def _sign_patterns(n: int, seed: int, resamples: int) -> tuple[np.ndarray, bool]:
    """(patterns x n matrix of +-1, exact?): every pattern when n <= EXACT_MAX, else ``resamples`` random ones."""
    if n <= EXACT_MAX:
        codes = np.arange(2 ** n, dtype=np.int64)[:, None] >> np.arange(n, dtype=np.int64)[None, :]
        return 1.0 - 2.0 * (codes & 1), True
    rng = np.random.default_rng(seed)
    return rng.choice(np.array([-1.0, 1.0]), size=(resamples, n)), False


def sign_flip_pvalues(values: np.ndarray, *, seed: int, resamples: int = RESAMPLES) -> np.ndarray:
    """Two-sided sign-flip (paired permutation) p-values, one per row of ``values`` (rows x tasks): under "no
    difference" each task's difference is as likely negative as positive, so the observed |sum| is compared
    with the |sum| under every sign pattern (exact up to ``EXACT_MAX`` tasks, else ``resamples`` random patterns
    shared by all rows, p = (1 + hits) / (1 + resamples), which keeps the level at or below alpha). Zeros flip
    to themselves, so ties count once, as nothing."""
    data = np.atleast_2d(np.asarray(values, dtype=float))
    if data.shape[1] == 0:
        return np.ones(data.shape[0])
    patterns, exact = _sign_patterns(data.shape[1], seed, resamples)
    observed = np.abs(data.sum(axis=1))
    out = np.empty(data.shape[0])
    batch = max(1, 2_000_000 // len(patterns))
    for start in range(0, data.shape[0], batch):
        rows = data[start:start + batch]
        hits = (np.abs(rows @ patterns.T) >= observed[start:start + batch, None] - _EPS).sum(axis=1)
        out[start:start + batch] = hits / len(patterns) if exact else (hits + 1) / (len(patterns) + 1)
    return np.minimum(out, 1.0)


def permutation_test(differences: Sequence[float], *, seed: int = 0, resamples: int = RESAMPLES) -> float:
    """Paired permutation test on per-task differences (candidate minus baseline; pass rates or scores): the
    two-sided p-value of their mean under random sign flips. Uses the size of each change, not only its
    direction, so it sees more than the sign test. [1]*6 gives 2/64; [0.5, 1, -0.5] gives 6/8."""
    nonzero = [d for d in differences if abs(d) > _EPS]
    if not nonzero:
        return 1.0
    return float(sign_flip_pvalues(np.asarray([nonzero]), seed=seed, resamples=resamples)[0])


def signed_ranks(values: np.ndarray) -> np.ndarray:
    """Per row, sign(d) x the midrank of |d| among the row's non-zero differences (zeros stay 0: dropped, the
    Wilcoxon convention); ties share their mean rank."""
    data = np.atleast_2d(np.asarray(values, dtype=float))
    mags = np.abs(data)
    mags[mags <= _EPS] = 0.0
    zeros = (mags == 0).sum(axis=1, keepdims=True)
    ranks = scipy_stats.rankdata(mags, axis=1) - zeros  # zeros share the lowest ranks: shift them out
    return np.where(mags > 0, np.sign(data) * ranks, 0.0)


def wilcoxon_test(differences: Sequence[float], *, seed: int = 0, resamples: int = RESAMPLES) -> float:
    """Wilcoxon signed-rank test, two-sided, by sign flips of the signed midranks (exact with ties and zeros,
    where scipy falls back to a normal approximation). [1, 2, 3, 4, 5] gives 2/32."""
    nonzero = [d for d in differences if abs(d) > _EPS]
    if not nonzero:
        return 1.0
    return float(sign_flip_pvalues(signed_ranks(np.asarray([nonzero])), seed=seed, resamples=resamples)[0])


def sign_pvalues(values: np.ndarray) -> np.ndarray:
    """The exact two-sided sign test per row (ties dropped): min(1, 2 P(Binomial(n, 1/2) <= min(up, down)))."""
    data = np.atleast_2d(np.asarray(values, dtype=float))
    up, down = (data > _EPS).sum(axis=1), (data < -_EPS).sum(axis=1)
    n = up + down
    p = np.minimum(1.0, 2 * scipy_stats.binom.cdf(np.minimum(up, down), np.maximum(n, 1), 0.5))
    return np.where(n == 0, 1.0, p)


def paired_pvalues(test: str, values: np.ndarray, *, seed: int, resamples: int = RESAMPLES) -> np.ndarray:
    """p-values of ``test`` (one of ``TESTS``) per row of per-task differences: the vectorised form the power
    simulation uses. Up to ``EXACT_MAX`` tasks the same numbers as ``paired_test`` row by row; beyond, both are
    seeded Monte Carlo estimates of the same p-value (here zero differences keep their column and flip to
    themselves, adding nothing to any sum; ``paired_test`` drops them first and may enumerate exactly)."""
    if test == "sign":
        return sign_pvalues(values)
    if test == "permutation":
        return sign_flip_pvalues(values, seed=seed, resamples=resamples)
    if test == "wilcoxon":
        return sign_flip_pvalues(signed_ranks(values), seed=seed, resamples=resamples)
    raise ValueError(f"unknown test {test!r} (known: {', '.join(TESTS)})")


def paired_test(test: str, differences: Sequence[float], *, seed: int = 0) -> float:
    """Two-sided p-value of ``test`` on per-task differences (candidate minus baseline)."""
    if test == "sign":
        return sign_test(sum(d > _EPS for d in differences), sum(d < -_EPS for d in differences))
    if test == "permutation":
        return permutation_test(differences, seed=seed)
    if test == "wilcoxon":
        return wilcoxon_test(differences, seed=seed)
    raise ValueError(f"unknown test {test!r} (known: {', '.join(TESTS)})")


# ---- power: the smallest drop a paired comparison would detect ----

POWER = 0.8
POWER_REPLICATES = 400  # simulated comparisons per effect size (standard error of a power near 0.8: 0.02)
POWER_RESAMPLES = 2000  # sign patterns per permutation p-value inside the simulation


def shrunk_rates(passed: Sequence[float], totals: Sequence[float]) -> np.ndarray:
    """Per-task pass rates to simulate from: (passed + 1/2) / (trials + 1), so a task that passed every epoch
    is likely, not certain, to pass again (and one that always failed may still pass)."""
    return (np.asarray(passed, dtype=float) + 0.5) / (np.asarray(totals, dtype=float) + 1.0)


def spread_rates(n_tasks: int) -> np.ndarray:
    """``n_tasks`` per-task pass rates spread evenly over 0-100% (the planning default when nothing ran yet)."""
    return (np.arange(n_tasks) + 0.5) / n_tasks


def resize_rates(rates: Sequence[float], n_tasks: int) -> np.ndarray:
    """A benchmark of ``n_tasks`` tasks whose rates are distributed like ``rates`` (evenly spaced quantiles)."""
    data = np.sort(np.asarray(rates, dtype=float))
    if data.size == 0:
        return spread_rates(n_tasks)
    return np.quantile(data, (np.arange(n_tasks) + 0.5) / n_tasks)


def dropped_rates(rates: np.ndarray, drop: float) -> np.ndarray:
    """The rates after a drop of ``drop`` (a fraction) in mean per-task pass rate, each task losing in proportion
    to its own rate (its room to fall), so the mean per-task difference is exactly ``-drop``."""
    mean = float(np.mean(rates))
    return rates * max(0.0, 1.0 - drop / mean) if mean > 0 else rates


def power(rates: Sequence[float], epochs: int, drop: float, *, test: str = DEFAULT_TEST, alpha: float = 0.05,
          seed: int = 0, replicates: int = POWER_REPLICATES, resamples: int = POWER_RESAMPLES) -> float:
    """The chance that a paired comparison of two runs (``epochs`` trials per task and side, tasks with true
    pass rates ``rates``) finds a significant drop (p < alpha, mean difference negative) when the candidate's
    rates fell by ``drop`` (a fraction; ``dropped_rates``). ``drop`` 0 gives the false-alarm rate. The same
    ``seed`` reuses the same random draws for every ``drop``, so power grows with the drop without noise."""
    base = np.asarray(rates, dtype=float)
    if base.size == 0 or epochs < 1:
        return 0.0
    rng = np.random.default_rng(seed)
    u_base = rng.random((replicates, base.size, epochs))
    u_cand = rng.random((replicates, base.size, epochs))
    diffs = (u_cand < dropped_rates(base, drop)[None, :, None]).mean(axis=2) - \
        (u_base < base[None, :, None]).mean(axis=2)
    p = paired_pvalues(test, diffs, seed=seed + 1, resamples=resamples)
    return float(((p < alpha) & (diffs.mean(axis=1) < 0)).mean())


def false_alarm_rate(rates: Sequence[float], epochs: int, *, test: str = DEFAULT_TEST, alpha: float = 0.05,
                     seed: int = 0, replicates: int = POWER_REPLICATES, resamples: int = POWER_RESAMPLES) -> float:
    """The share of simulated comparisons with no change at all (both sides drawn from ``rates``) that ``test``
    calls significant in either direction: a valid test keeps it at or below ``alpha``."""
    base = np.asarray(rates, dtype=float)
    rng = np.random.default_rng(seed)
    draws = rng.random((2, replicates, base.size, epochs)) < base[None, None, :, None]
    diffs = draws[1].mean(axis=2) - draws[0].mean(axis=2)
    return float((paired_pvalues(test, diffs, seed=seed + 1, resamples=resamples) < alpha).mean())


def min_detectable_drop(rates: Sequence[float], epochs: int, *, test: str = DEFAULT_TEST, alpha: float = 0.05,
                        target: float = POWER, seed: int = 0, replicates: int = POWER_REPLICATES,
                        resamples: int = POWER_RESAMPLES) -> float:
    """The smallest drop in mean per-task pass rate, in whole points (as a fraction), that a comparison detects
    with probability ``target``; NaN when even the largest possible drop (every task to 0%) is not detected
    that often (too few tasks). A bisection over whole points, each tried with the same random draws."""
    base = np.asarray(rates, dtype=float)
    top = int(math.floor(float(np.mean(base)) * 100 + 1e-9)) if base.size else 0

    def enough(points: int) -> bool:
        return power(base, epochs, points / 100, test=test, alpha=alpha, seed=seed, replicates=replicates,
                     resamples=resamples) >= target

    if top < 1 or not enough(top):
        return float("nan")
    lo, hi = 0, top  # enough(hi) holds; enough(0) is the false-alarm rate, taken as not enough
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if enough(mid) else (mid, hi)
    return hi / 100
