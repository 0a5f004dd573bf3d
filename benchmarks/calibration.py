"""Calibrated pass rates from every task's calibration.toml: overall and per category, without and with the skill.

Prints the share of independent solves that passed under each arm, the tasks every no-skill solve passed (too
easy to show an uplift), and the tasks short of the issue's minimum (2 attempts without the skill, 1 with it)
or of 2 alternatives. Usage: python benchmarks/calibration.py [--tasks-dir DIR]
"""

from __future__ import annotations

import argparse
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.tasks import load_tasks  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks-dir", type=Path, default=Path(__file__).resolve().parents[1] / "tasks")
    args = parser.parse_args()
    tasks = load_tasks(args.tasks_dir)
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for task in tasks:
        none, inline = task.calibrated("none"), task.calibrated("inline")
        for key in (task.category, "all"):
            row = totals[key]
            row[0] += none[0]
            row[1] += none[1]
            row[2] += inline[0]
            row[3] += inline[1]
    print(f"{'category':10} {'tasks':>5}  {'without the skill':>20}  {'with the skill':>18}")
    counts: dict[str, int] = defaultdict(int)
    for task in tasks:
        counts[task.category] += 1
        counts["all"] += 1
    for key in sorted(totals, key=lambda k: (k == "all", k)):
        n_pass, n, i_pass, i = totals[key]
        print(f"{key:10} {counts[key]:>5}  {_rate(n_pass, n):>20}  {_rate(i_pass, i):>18}")
    easy = [t.id for t in tasks if t.calibrated("none")[1] and t.calibrated("none")[0] == t.calibrated("none")[1]]
    short = [t.id for t in tasks if t.calibrated("none")[1] < 2 or t.calibrated("inline")[1] < 1]
    few_alternatives = [t.id for t in tasks if len(t.alternatives) < 2]
    print(f"\nevery no-skill attempt passed ({len(easy)}): {', '.join(easy)}")
    print(f"fewer than 2 attempts without / 1 with the skill ({len(short)}): {', '.join(short)}")
    print(f"fewer than 2 alternatives ({len(few_alternatives)}): {', '.join(few_alternatives)}")
    return 0


def _rate(passed: int, total: int) -> str:
    return f"{passed}/{total} ({passed / total:.0%})" if total else "-"


if __name__ == "__main__":
    raise SystemExit(main())
