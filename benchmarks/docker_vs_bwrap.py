"""Issue 13's figures: the docker backend against bwrap on the same trials, one run each, one slot.

``validate`` (references, first alternative and first mutant of each task, once) under each backend; prints
per trial and backend the verdict and grading time, whether the two backends agree on every verdict, the
median per-check time and the median per-check overhead of docker over bwrap (paired by trial and check), and
each run's wall time. The runtime image is built first (``setup --docker``), so its build is not counted.

    python benchmarks/docker_vs_bwrap.py --tasks 'greet-*,queue-*' [--docker-image BASE]
    python benchmarks/docker_vs_bwrap.py --compare RESULTS_DIR BWRAP_RUN DOCKER_RUN   # two finished validate runs
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders.docker_sandbox import SETUP_COMMAND  # noqa: E402
from harness.results import RunDir  # noqa: E402


def run(sandbox: str, tasks: str, results: Path, image: str | None, tasks_dir: str | None) -> tuple[float, list]:
    argv = [sys.executable, str(REPO / "run_eval.py"), "validate", "--tasks", tasks, "--repeats", "1",
            "--mutants", "first", "--alternatives", "first", "--slots", "1", "--sandbox", sandbox,
            "--run-id", sandbox, "--results-dir", str(results)]
    argv += ["--docker-image", image] if image and sandbox == "docker" else []
    argv += ["--tasks-dir", tasks_dir] if tasks_dir else []
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=REPO, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode not in (0, 1):
        sys.exit(f"validate --sandbox {sandbox} exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")
    return wall, RunDir(results, sandbox).records()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default="*")
    parser.add_argument("--docker-image")
    parser.add_argument("--tasks-dir")
    parser.add_argument("--compare", nargs=3, metavar=("RESULTS_DIR", "BWRAP_RUN", "DOCKER_RUN"))
    args = parser.parse_args()
    walls: dict[str, float] = {}
    by_backend = {}
    if args.compare:
        results = Path(args.compare[0])
        for sandbox, run_id in zip(("bwrap", "docker"), args.compare[1:], strict=True):
            by_backend[sandbox] = {(r["task_id"], r["model"]): r for r in RunDir(results, run_id).records()}
        return summarize(by_backend, walls)
    setup = [sys.executable, "-c", SETUP_COMMAND, *([args.docker_image] if args.docker_image else [])]
    subprocess.run(setup, cwd=REPO, check=True)
    results = Path(tempfile.mkdtemp(prefix="docker-vs-bwrap-"))
    for sandbox in ("bwrap", "docker"):
        walls[sandbox], records = run(sandbox, args.tasks, results, args.docker_image, args.tasks_dir)
        by_backend[sandbox] = {(r["task_id"], r["model"]): r for r in records}
    return summarize(by_backend, walls)


def summarize(by_backend: dict, walls: dict[str, float]) -> int:
    keys = sorted(set(by_backend["bwrap"]) & set(by_backend["docker"]))
    print(f"{'task':32} {'solution':28} {'bwrap':22} {'docker':22}")
    agree, overheads, per_check = 0, [], {"bwrap": [], "docker": []}
    for key in keys:
        b, d = by_backend["bwrap"][key], by_backend["docker"][key]
        same = (b["status"], b["passed"], b["reason"]) == (d["status"], d["passed"], d["reason"])
        agree += same
        print(f"{key[0][:32]:32} {key[1][:28]:28} {str(b['passed']):5} {str(b['reason'])[:9]:9} {b['grading_s']:5.1f}s"
              f"  {str(d['passed']):5} {str(d['reason'])[:9]:9} {d['grading_s']:5.1f}s{'' if same else '  DIFFERS'}")
        checks_b = {c["name"]: c["duration_s"] for c in b.get("checks") or []}
        for c in d.get("checks") or []:
            if c["name"] in checks_b and c["name"] != "rules":
                overheads.append(c["duration_s"] - checks_b[c["name"]])
                per_check["docker"].append(c["duration_s"])
                per_check["bwrap"].append(checks_b[c["name"]])
    print(f"\n{agree}/{len(keys)} trials with the same verdict under both backends")
    if overheads:
        print(f"per check (hidden tests, durability; {len(overheads)} pairs): median bwrap "
              f"{statistics.median(per_check['bwrap']):.2f} s, docker {statistics.median(per_check['docker']):.2f} s, "
              f"median docker - bwrap {statistics.median(overheads):+.2f} s")
    if walls:
        print(f"validate wall time: bwrap {walls['bwrap']:.0f} s, docker {walls['docker']:.0f} s ({len(keys)} trials, "
              "--slots 1)")
    grading = {b: sum(r["grading_s"] for r in by_backend[b].values()) for b in by_backend}
    print(f"grading time summed over trials: bwrap {grading['bwrap']:.0f} s, docker {grading['docker']:.0f} s")
    return 0 if agree == len(keys) else 1


if __name__ == "__main__":
    sys.exit(main())
