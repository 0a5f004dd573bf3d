"""How long a run's reports take on a large run, and how big report.html gets.

A synthetic run of 2,000 trials (50 tasks x 2 models x 4 arms — none, inline:v1, inline:v2, tool:v1 — x 5
epochs), each with a trial folder (generated file, test log, transcript) and a tasks folder for the prompts
and starting apps, so the drill-down reads and diffs real files. Times ``write_report`` (report.md,
report.html, junit.xml) and prints the sizes.

    python benchmarks/report_speed.py [--trials-per-cell 5] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from harness.report import write_report  # noqa: E402
from harness.results import RunDir  # noqa: E402
from tests.fixtures.synthetic import synthesize, write_tasks  # noqa: E402

CATEGORIES = ("lifecycle", "workflow", "step", "queue", "comm", "pattern", "test", "client", "advanced")
VARIANTS = (("none", None), ("inline", "v1"), ("inline", "v2"), ("tool", "v1"))
PASS = {"none": 0.45, "inline:v1": 0.7, "inline:v2": 0.72, "tool:v1": 0.6}


def outcome(task: str, model: str, variant: str, epoch: int) -> bool:
    digest = hashlib.sha256(f"{task}|{model}|{variant}|{epoch}".encode()).digest()
    return digest[0] / 255 < PASS[variant] + (0.1 if model.endswith("large") else 0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the run here and keep it (default: a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(args.keep) if args.keep else Path(tmp)
        tasks = [(f"{CATEGORIES[i % len(CATEGORIES)]}-task-{i:02d}", CATEGORIES[i % len(CATEGORIES)])
                 for i in range(50)]
        tasks_dir = write_tasks(base / "tasks", tasks)
        started = time.perf_counter()
        root = synthesize(base / "runs", "synthetic-2000", outcome, tasks=tasks, models=("model-small", "model-large"),
                          variants=VARIANTS, epochs=args.epochs, seed=7, infra=0.01, tasks_dir=tasks_dir, files=True)
        print(f"synthetic run written in {time.perf_counter() - started:.1f} s: {root}")
        run = RunDir.open(str(root), base)
        records, manifest = run.records(), run.read_manifest()
        times, cpu = [], []
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            write_report(run.root, run.run_id, manifest, records)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        sizes = {name: (root / name).stat().st_size for name in ("report.md", "report.html", "junit.xml")}
    print(f"trials: {len(records)}")
    runs = ", ".join(f"{t:.2f}" for t in times)
    print(f"report generation (md + html + junit): best {min(times):.2f} s wall, runs {runs}; "
          f"CPU {min(cpu):.2f} s (wall time rises on a busy machine)")
    for name, size in sizes.items():
        print(f"{name}: {size / 1e6:.2f} MB ({size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
