"""Grading throughput with one vs two ``worker`` processes sharing one Postgres system database (this machine).

A coordinator (``run --system-db URL --workers-only --slots 1``) enqueues N offline trials (the reference
solution of the greet-workflow fixture, N epochs); the workers, started and ready beforehand, each grade one
trial at a time (``--slots`` is per executor) in their own sandbox with their own throwaway Postgres. Measured:
the coordinator's wall time and the grading span (first grade started to last trial recorded).

    python benchmarks/workers_throughput.py                 # 16 trials (about 2 minutes)
    python benchmarks/workers_throughput.py --trials 40 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders.postgres import start_cluster  # noqa: E402
from harness.results import RunDir  # noqa: E402
from tests.cli_support import database_url, start_cli  # noqa: E402
from tests.conftest import FIXTURE_TASKS  # noqa: E402


def measure(workers: int, trials: int, server, root: Path) -> dict:
    db = f"dbos_sys_w{workers}"
    with server.connect() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {db}")
    url = database_url(server.admin_conninfo, db)
    results = root / f"w{workers}"
    procs = []
    for i in range(workers):
        log = root / f"w{workers}-{i}.log"
        procs.append(start_cli("worker", "--system-db", url, "--executor-id", f"bench-{workers}-{i}",
                               "--tasks-dir", str(FIXTURE_TASKS), results=results / f"worker{i}", log=log))
    try:
        for i in range(workers):
            while "Ctrl-C to stop" not in (root / f"w{workers}-{i}.log").read_text():
                time.sleep(0.1)
        started = time.monotonic()
        coordinator = start_cli("run", "--system-db", url, "--workers-only", "--slots", "1", "--tasks",
                                "greet-workflow", "--epochs", str(trials), "--run-id", "tp", results=results,
                                tasks=FIXTURE_TASKS, log=root / f"w{workers}-run.log")
        assert coordinator.wait(timeout=3600) == 0, (root / f"w{workers}-run.log").read_text()[-2000:]
        wall = time.monotonic() - started
        ended = time.time()
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
    records = RunDir(results, "tp").records()
    assert len(records) == trials and all(r.passed for r in records)
    grade_starts = [datetime.fromisoformat(line.split()[0]).timestamp()
                    for log in results.rglob("steps.log") for line in log.read_text().splitlines() if " grade " in line]
    span = ended - min(grade_starts)
    per_worker = {f"worker{i}": sum(" grade " in line for log in (results / f"worker{i}").rglob("steps.log")
                                    for line in log.read_text().splitlines()) for i in range(workers)}
    return {"workers": workers, "trials": trials, "wall_s": round(wall, 1), "grading_span_s": round(span, 1),
            "trials_per_min": round(trials / span * 60, 1), "graded_by": per_worker}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--json", metavar="PATH")
    opts = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="workers-bench-"))
    server = start_cluster()
    try:
        rows = [measure(n, opts.trials, server, root) for n in (1, 2)]
    finally:
        server.stop()
    for row in rows:
        print(f"{row['workers']} worker(s): {row['trials']} trials, wall {row['wall_s']} s, grading span "
              f"{row['grading_span_s']} s, {row['trials_per_min']} trials/min, graded by {row['graded_by']}")
    print(f"speed-up with two workers: {rows[1]['trials_per_min'] / rows[0]['trials_per_min']:.2f}x "
          f"({os.cpu_count()} CPUs)")
    if opts.json:
        Path(opts.json).write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
