"""Statistics as pure functions: plain sequences and an explicit seed in, a frozen ``Estimate`` out."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

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
