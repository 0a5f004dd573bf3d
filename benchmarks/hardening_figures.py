"""Figures for issue 16 (hardening): what the disk and inode attacks cost the host, and what bounding a trial's
database costs in grading time. Grades through the real pipeline (throwaway Postgres, bubblewrap as root).

    python benchmarks/hardening_figures.py              # about 2 minutes
    python benchmarks/hardening_figures.py --repeats 10 # more trials for the grading-time comparison

1. ``db-fill`` (tests/fixtures/hostile): inserts 1 MB rows through DBOS_SYSTEM_DATABASE_URL for up to 30 s.
   Reported: its verdict, the peak and final growth of the cluster's data directory (WAL included).
2. ``inode-fill``: creates empty files in /tmp, /dev/shm, /run and /workspace. Reported: its verdict, the peak
   and final growth of the host's kernel slab (/proc/meminfo Slab; other processes add noise).
3. The reference of ``step-side-effects`` (or ``--task``) graded with the database limit on (default 256 MB)
   and off, in alternation: median grading time of each, and the cost of one size poll.
Runs unchanged against an older checkout (fields it does not know are left out) for the before column.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders import GradingEnvironment, grade  # noqa: E402
from graders.databases import DatabaseFactory  # noqa: E402
from graders.postgres import start_cluster  # noqa: E402
from graders.runtime import default_cache_dir, ensure_runtime  # noqa: E402
from graders.sandbox import make_sandbox  # noqa: E402
from harness.models import read_tree  # noqa: E402
from harness.tasks import load_task  # noqa: E402

ATTACKS = REPO / "tests" / "fixtures" / "hostile" / "attacks"


def _du_mb(path: Path) -> float:
    total = 0
    for dirpath, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_blocks * 512
            except OSError:
                pass
    return total / 2**20


def _slab_mb() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("Slab:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Peak:
    """Samples ``probe`` every 0.2 s in a thread; ``stop`` returns (baseline, peak, final)."""

    def __init__(self, probe) -> None:
        self.probe, self.base, self.peak, self._done = probe, probe(), 0.0, threading.Event()
        self.peak = self.base
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(0.2):
            self.peak = max(self.peak, self.probe())

    def stop(self) -> tuple[float, float, float]:
        self._done.set()
        self._thread.join()
        return self.base, self.peak, self.probe()


def _workspace(root: Path, task, mutant: str | None) -> Path:
    files = {**read_tree(task.app_dir), **read_tree(task.reference_dir)}
    if mutant:
        files.update(read_tree(task.path / "mutants" / mutant))
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return root


def _spec(task, **fields):
    known = {f.name for f in dataclasses.fields(task.grading)}
    return dataclasses.replace(task.grading, **{k: v for k, v in fields.items() if k in known})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=6)
    parser.add_argument("--task", default="step-side-effects", help="task id, or a task folder, for the timing")
    parser.add_argument("--skip-attacks", action="store_true", help="only the grading-time comparison")
    args = parser.parse_args()
    server = start_cluster()
    runtime = ensure_runtime(default_cache_dir())
    sandbox = make_sandbox("bwrap", [runtime.root], [server.socket_dir])
    factory = DatabaseFactory(server, runtime.python, runtime.dbos_version)
    factory.prepare_template()
    env = GradingEnvironment(server, runtime, sandbox, factory)
    root = Path(tempfile.mkdtemp(prefix="hardening-figures-"))
    attacks = load_task(ATTACKS)
    spec = _spec(attacks, test_timeout_s=30, per_test_timeout_s=30)
    print(f"checkout: {REPO}")
    probes = (("db-fill", lambda: _du_mb(server.started_in), "cluster data dir"),
              ("inode-fill", _slab_mb, "kernel slab"))
    for attack, probe, what in () if args.skip_attacks else probes:
        peak = Peak(probe)
        verdict = grade(_workspace(root / attack, attacks, attack), spec, env, root / "logs" / attack, attack)
        time.sleep(1.0)
        base, top, final = peak.stop()
        print(f"{attack:11} {verdict.status}/{verdict.passed}/{verdict.reason}: {what} +{top - base:.0f} MB at "
              f"peak, +{final - base:.0f} MB after the trial ({verdict.duration_s:.1f}s) {verdict.detail[:110]}")
    task = load_task(Path(args.task) if "/" in args.task else REPO / "tasks" / args.task)
    timings: dict[str, list[float]] = {"limit 256 MB": [], "no limit": []}
    for i in range(args.repeats):
        for label, limit in (("limit 256 MB", 256), ("no limit", 0)):
            ws = _workspace(root / f"ref{i}{limit}", task, None)
            verdict = grade(ws, _spec(task, db_limit_mb=limit), env, root / "logs" / f"ref{i}{limit}", f"ref{i}")
            assert verdict.passed, verdict.detail
            timings[label].append(verdict.duration_s)
    for label, values in timings.items():
        print(f"{task.id} reference, {label:12}: median {statistics.median(values):.2f}s "
              f"(min {min(values):.2f}, max {max(values):.2f}, n={len(values)})")
    if hasattr(factory, "size_mb"):
        trial = factory.create("poll")
        with server.connect() as conn:
            started = time.perf_counter()
            for _ in range(200):
                factory.size_mb(trial, conn)
            per_poll = (time.perf_counter() - started) / 200
        factory.drop(trial)
        print(f"one database size poll: {per_poll * 1000:.2f} ms (4 a second while graded code runs)")
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
