"""Memory of the harness process during a long offline run: ``run_eval.py run`` on one fixture task for N epochs
(N trials of the offline reference model, graded for real), sampling the harness's resident memory (VmRSS)
every half second and reading its peak (VmHWM). Sandboxed programs and Postgres are separate processes and not
counted: this is what the orchestrating process itself needs as a run grows.

    python benchmarks/harness_memory.py                     # 1,000 trials of greet-workflow (about 20 minutes)
    python benchmarks/harness_memory.py --trials 200 --json out.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.results import RunDir  # noqa: E402
from tests.cli_support import start_cli  # noqa: E402
from tests.conftest import FIXTURE_TASKS  # noqa: E402


def status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=1000)
    parser.add_argument("--task", default="greet-workflow", help="a fixture task (default greet-workflow)")
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--json", metavar="PATH")
    opts = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="memory-bench-"))
    started = time.monotonic()
    proc = start_cli("run", "--tasks", opts.task, "--epochs", str(opts.trials), "--slots", str(opts.slots),
                     "--run-id", "mem", results=root, tasks=FIXTURE_TASKS, log=root / "run.log")
    samples: list[tuple[float, int, int]] = []  # (seconds, trials recorded, RSS kB)
    peak = 0
    run = RunDir(root, "mem")
    next_count = 0.0
    while proc.poll() is None:
        rss, hwm = status_kb(proc.pid, "VmRSS"), status_kb(proc.pid, "VmHWM")
        peak = max(peak, hwm)
        now = time.monotonic() - started
        if now >= next_count:  # counting records reads trials.jsonl: every 10 s is enough
            samples.append((round(now, 1), len(run.records()), rss))
            next_count = now + 10
        time.sleep(0.5)
    wall = time.monotonic() - started
    records = run.records()
    figures = {
        "trials": opts.trials, "recorded": len(records), "passed": sum(bool(r.passed) for r in records),
        "exit_code": proc.returncode, "wall_s": round(wall, 1),
        "harness_peak_rss_mb": round(peak / 1024, 1),
        "rss_mb_at_10pct": next((round(s[2] / 1024, 1) for s in samples if s[1] >= opts.trials / 10), None),
        "rss_mb_at_end": round(samples[-1][2] / 1024, 1) if samples else None,
        "samples": samples,
    }
    for key, value in figures.items():
        if key != "samples":
            print(f"{key:22} {value}")
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=1) + "\n")
    return 0 if proc.returncode == 0 and len(records) == opts.trials else 1


if __name__ == "__main__":
    sys.exit(main())
