"""Figures for the foundation: Postgres start time, template clone/drop time, sandbox overhead, and (with
--run) the wall time of a full offline run with its per-trial harness overhead.

    python benchmarks/foundation_timings.py            # infrastructure figures only (about 20 s)
    python benchmarks/foundation_timings.py --run      # also time `python run_eval.py` on every task

Per-trial harness overhead = a trial's grading wall time minus the hidden tests' own pytest time
(recorded in each trial's JUnit report).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders.databases import DatabaseFactory  # noqa: E402
from graders.postgres import start_cluster  # noqa: E402
from graders.runtime import default_cache_dir, ensure_runtime  # noqa: E402
from graders.sandbox import Limits, make_sandbox  # noqa: E402


def median_ms(samples: list[float]) -> str:
    return f"median {statistics.median(samples) * 1000:.0f} ms, max {max(samples) * 1000:.0f} ms (n={len(samples)})"


def infrastructure(n: int) -> dict[str, str]:
    runtime = ensure_runtime(default_cache_dir())
    starts = []
    for _ in range(3):
        server = start_cluster()
        starts.append(server.startup_s)
        server.stop()
    server = start_cluster()
    try:
        factory = DatabaseFactory(server, runtime.python, runtime.dbos_version)
        template_s = factory.prepare_template()
        creates, drops = [], []
        for i in range(n):
            t = time.perf_counter()
            db = factory.create(f"bench{i}")
            creates.append(time.perf_counter() - t)
            t = time.perf_counter()
            factory.drop(db)
            drops.append(time.perf_counter() - t)
        sandbox = make_sandbox("bwrap", [runtime.root], [server.socket_dir])
        runs, bare = [], []
        with tempfile.TemporaryDirectory() as tmp, sandbox.slot() as uid:
            ws = Path(tmp) / "ws"
            ws.mkdir()
            Path(tmp).chmod(0o755)
            sandbox.prepare_workspace(ws, uid)
            for _ in range(n):
                t = time.perf_counter()
                sandbox.run(["/bin/true"], ws, {"PATH": "/usr/bin:/bin"}, Limits(wall_s=30), Path(tmp) / "log", uid)
                runs.append(time.perf_counter() - t)
                t = time.perf_counter()
                subprocess.run(["/bin/true"], check=True)
                bare.append(time.perf_counter() - t)
    finally:
        server.stop()
    return {
        "postgres start (initdb + start, until it accepts connections)": median_ms(starts),
        "template build (create + DBOS.migrate, once per run)": f"{template_s * 1000:.0f} ms",
        "trial database: role + clone from template + grants": median_ms(creates),
        "trial database drop (WITH FORCE) + role": median_ms(drops),
        "sandbox overhead (/bin/true in bwrap minus bare)": median_ms([a - b for a, b in zip(runs, bare, strict=True)]),
    }


def full_run() -> dict[str, str]:
    run_id = f"bench-{int(time.time())}"
    t = time.perf_counter()
    done = subprocess.run([sys.executable, "run_eval.py", "--run-id", run_id], cwd=REPO, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - t
    records = [json.loads(line) for line in (REPO / "results/runs" / run_id / "trials.jsonl").read_text().splitlines()]
    overheads, grading = [], []
    for r in records:
        grading.append(r["grading_s"])
        overheads.append(r["grading_s"] - ((r.get("tests") or {}).get("pytest_s") or 0.0))
    return {
        "python run_eval.py (all tasks, reference model)": f"{wall:.1f} s wall, exit {done.returncode}, "
                                                          f"{len(records)} trials",
        "grading wall time per trial": median_ms(grading),
        "harness overhead per trial (grading minus pytest's own time)": median_ms(overheads),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--run", action="store_true", help="also time a full offline run")
    parser.add_argument("-n", type=int, default=20, help="samples for the per-database and sandbox figures")
    args = parser.parse_args()
    figures = infrastructure(args.n)
    if args.run:
        figures.update(full_run())
    for name, value in figures.items():
        print(f"{name}: {value}")


if __name__ == "__main__":
    main()
