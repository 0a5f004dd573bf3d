"""Figures for the benchmark itself: tasks per category, wall time of `validate` and of a full reference run,
flakes over repeated reference runs, and per-task grading time.

    python benchmarks/benchmark_figures.py                 # counts + validate + reference run with 5 epochs
    python benchmarks/benchmark_figures.py --epochs 1 --no-validate

The reference run's epochs are the flake check: every epoch of every task must pass.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.tasks import load_tasks  # noqa: E402


def timed(args: list[str]) -> tuple[float, int]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "run_eval.py", *args], cwd=REPO, check=False,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5, help="reference epochs (the flake check)")
    parser.add_argument("--no-validate", action="store_true")
    args = parser.parse_args()
    tasks = load_tasks(REPO / "tasks")
    per_category = collections.Counter(t.category for t in tasks)
    print(f"tasks: {len(tasks)}; mutants: {sum(len(t.mutants) for t in tasks)}; with durability: "
          f"{sum('durability' in t.grading.checks for t in tasks)}")
    print("per category: " + ", ".join(f"{c} {n}" for c, n in sorted(per_category.items())))
    if not args.no_validate:
        wall, code = timed(["validate", "--run-id", f"bench-validate-{int(time.time())}"])
        print(f"validate (3 reference runs per task + every mutant): {wall:.0f} s, exit {code}")
    run_id = f"bench-reference-{int(time.time())}"
    wall, code = timed(["run", "--run-id", run_id, "--epochs", str(args.epochs)])
    records = [json.loads(x) for x in (REPO / "results/runs" / run_id / "trials.jsonl").read_text().splitlines()]
    print(f"reference run, {args.epochs} epoch(s), {len(records)} trials: {wall:.0f} s, exit {code}")
    flaky = sorted({r["task_id"] for r in records if not r["passed"]})
    print(f"flakes: {sum(not r['passed'] for r in records)} failing trials in {len(flaky)} task(s) {flaky}")
    by_task = collections.defaultdict(list)
    for r in records:
        by_task[r["task_id"]].append(r["grading_s"])
    medians = {t: statistics.median(v) for t, v in by_task.items()}
    all_times = [s for v in by_task.values() for s in v]
    print(f"per-trial grading time: median {statistics.median(all_times):.1f} s, max {max(all_times):.1f} s")
    slowest = sorted(medians.items(), key=lambda kv: -kv[1])[:5]
    print("slowest tasks (median grading s): " + ", ".join(f"{t} {s:.1f}" for t, s in slowest))


if __name__ == "__main__":
    main()
