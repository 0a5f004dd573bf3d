"""Power of the paired tests, measured with the harness's own functions (``harness.stats``).

    python benchmarks/power.py [--replicates N] [--tasks 25,60] [--epochs 1,3,5]

Prints three tables:
1. the false-alarm rate under no change (both runs drawn from the same per-task rates; either direction
   counted), which a valid test keeps at or below alpha = 0.05;
2. power against drops of 10, 15 and 20 points, per test: what the permutation test (and Wilcoxon) gain over
   the sign test;
3. the minimum detectable drop (MDE) at 80% power for 25 tasks (about today's benchmark) and 60 tasks (the
   target), at 1, 3 and 5 epochs, under each test.

Per-task pass rates are spread evenly over 0-100% (``stats.spread_rates``), the assumption the issue's figure
(about 19 points for the sign test at 25 tasks x 5 epochs) was measured under; a drop takes each task down in
proportion to its rate (``stats.dropped_rates``), so the mean per-task difference is exactly the drop.
Everything is seeded: the same command prints the same numbers.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness import stats  # noqa: E402

TESTS = ("sign", "permutation", "wilcoxon")


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=True)]
    line = lambda cells: "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"  # noqa: E731
    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replicates", type=int, default=2000, help="simulated comparisons per cell")
    parser.add_argument("--tasks", default="25,60")
    parser.add_argument("--epochs", default="1,3,5")
    args = parser.parse_args()
    sizes = [int(x) for x in args.tasks.split(",")]
    epochs = [int(x) for x in args.epochs.split(",")]
    started = time.perf_counter()
    kw = {"replicates": args.replicates, "resamples": 2000, "seed": 20240601}

    print(f"## False-alarm rate under no change (alpha 0.05, {args.replicates} simulated comparisons each)\n")
    rows = [[n, e, *(f"{stats.false_alarm_rate(stats.spread_rates(n), e, test=t, **kw):.3f}" for t in TESTS)]
            for n in sizes for e in epochs]
    print(table(["tasks", "epochs", *TESTS], rows), "\n")

    print("## Power against a drop (share of comparisons that flag it)\n")
    rows = []
    for n in sizes:
        for e in epochs:
            for drop in (0.10, 0.15, 0.20):
                power = {t: stats.power(stats.spread_rates(n), e, drop, test=t, **kw) for t in TESTS}
                rows.append([n, e, f"{drop * 100:.0f}", *(f"{power[t]:.2f}" for t in TESTS),
                             f"{round((power['permutation'] - power['sign']) * 100):+d}"])
    print(table(["tasks", "epochs", "drop pp", *TESTS, "permutation - sign (pp of power)"], rows), "\n")

    print("## Minimum detectable drop at 80% power, in points (lower is better)\n")
    rows = []
    for n in sizes:
        for e in epochs:
            mde = {t: stats.min_detectable_drop(stats.spread_rates(n), e, test=t, **kw) for t in TESTS}
            rows.append([n, e, *(f"{mde[t] * 100:.0f}" for t in TESTS)])
    print(table(["tasks", "epochs", *TESTS], rows), "\n")
    print(f"({time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
