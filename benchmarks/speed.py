"""Issue 15's figures, in one run: how much longer a failing trial grades than a passing one, how close a full
reference run comes to its ideal, the harness's own overhead per check, and the cluster's start-up.

    python benchmarks/speed.py [--tasks IDS] [--slots 2] [--skip-runs]

1. Cluster start-up: a throwaway cluster with a fresh ``initdb`` (before) and copied from the cache (after).
2. A full offline run of every task's reference (``run --model reference``) at ``--slots``: its wall time
   against (sum of pytest's own time + durability time) / slots (target <= 1.2), and per check the harness's
   overhead, the check's wall time minus pytest's own (median, target <= 0.3 s).
3. A run of every task's unchanged starting app (``--model dir:EMPTY``: a model that changes nothing): per
   task, its grading time / the reference's (target <= 1.5x).
Prints the figures and writes them to ``results/speed/speed.json``. Both runs go through ``run_eval.py`` as
a user's would; with ``--skip-runs`` the runs of an earlier call (same ``--tag``) are read again.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graders.context import GradingEnvironment  # noqa: E402
from graders.postgres import start_cluster  # noqa: E402
from graders.runtime import default_cache_dir  # noqa: E402


def cluster_startup(repeats: int = 3) -> dict[str, float]:
    """Median start-up seconds of a cluster with initdb each time and of one copied from the cache."""
    warm = start_cluster(cached=True)  # fills the cache if it is empty
    warm.stop()
    times: dict[str, list[float]] = {"initdb": [], "cached": []}
    for _ in range(repeats):
        for kind in times:
            server = start_cluster(cached=kind == "cached")
            times[kind].append(server.startup_s)
            server.stop()
    return {kind: round(statistics.median(values), 3) for kind, values in times.items()}


def check_floor(repeats: int = 5) -> dict[str, float]:
    """Median seconds of what every check pays before its tests run, piece by piece: a database clone and drop,
    a sandbox start (``python -c pass``), ``import dbos`` and pytest's start-up inside the sandbox."""
    pieces: dict[str, list[float]] = {"database clone + drop": [], "sandbox start (python -c pass)": [],
                                      "import dbos in the sandbox": [], "pytest --version in the sandbox": []}
    programs = {"sandbox start (python -c pass)": ["-c", "pass"], "import dbos in the sandbox": ["-c", "import dbos"],
                "pytest --version in the sandbox": ["-m", "pytest", "--version"]}
    with GradingEnvironment.open(cache_dir=default_cache_dir()) as env, env.sandbox.slot() as uid, \
            env.sandbox.scratch(env.limits) as scratch:
        workspace = scratch / "workspace"
        workspace.mkdir()
        env.sandbox.prepare_workspace(workspace, uid)
        for i in range(repeats):
            started = time.perf_counter()
            env.databases.drop(env.databases.create(f"floor{i}"))
            pieces["database clone + drop"].append(time.perf_counter() - started)
            for name, argv in programs.items():
                started = time.perf_counter()
                env.sandbox.run([str(env.runtime.python), *argv], workspace, {"PATH": "/usr/bin:/bin"}, env.limits,
                                scratch / "log", uid)
                pieces[name].append(time.perf_counter() - started)
    return {name: round(statistics.median(values), 3) for name, values in pieces.items()}


def run(model: str, tasks: str | None, slots: int, run_id: str) -> float:
    """``run_eval.py run`` with one offline model; returns its wall time."""
    argv = [sys.executable, "run_eval.py", "run", "--model", model, "--slots", str(slots), "--run-id", run_id]
    argv += ["--tasks", tasks] if tasks else []
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    if not (ROOT / "results" / "runs" / run_id / "trials.jsonl").is_file():
        sys.exit(f"{' '.join(argv)} failed ({done.returncode}): {done.stderr[-2000:]}")
    return wall


def records(run_id: str) -> list[dict]:
    path = ROOT / "results" / "runs" / run_id / "trials.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def check(record: dict, name: str) -> dict | None:
    return next((c for c in record.get("checks") or [] if c["name"] == name), None)


def reference_figures(recs: list[dict], wall: float, slots: int) -> dict:
    pytest_s = sum((r.get("tests") or {}).get("pytest_s") or 0.0 for r in recs)
    durability_s = sum((check(r, "durability") or {}).get("duration_s") or 0.0 for r in recs)
    ideal = (pytest_s + durability_s) / slots
    overheads = []
    for r in recs:
        hidden = check(r, "hidden_tests")
        if hidden and r.get("tests"):
            overheads.append(hidden["duration_s"] - (r["tests"].get("pytest_s") or 0.0))
    return {"trials": len(recs), "passed": sum(1 for r in recs if r["passed"]), "wall_s": round(wall, 1),
            "pytest_s": round(pytest_s, 1), "durability_s": round(durability_s, 1), "ideal_s": round(ideal, 1),
            "wall_over_ideal": round(wall / ideal, 2) if ideal else None,
            "overhead_median_s": round(statistics.median(overheads), 3) if overheads else None,
            "overhead_p90_s": round(sorted(overheads)[int(0.9 * (len(overheads) - 1))], 3) if overheads else None}


def per_task_ratios(reference: list[dict], unchanged: list[dict]) -> dict[str, dict]:
    ref = {r["task_id"]: r["grading_s"] for r in reference}
    out = {}
    for r in sorted(unchanged, key=lambda r: r["task_id"]):
        base = ref.get(r["task_id"])
        if base:
            out[r["task_id"]] = {"unchanged_s": round(r["grading_s"], 1), "reference_s": round(base, 1),
                                 "ratio": round(r["grading_s"] / base, 2), "unchanged_passed": r["passed"]}
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", help="comma-separated task ids or globs (default: all)")
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--tag", default="speed", help="names the runs: <tag>-reference, <tag>-unchanged")
    parser.add_argument("--skip-runs", action="store_true", help="read the runs of an earlier call")
    parser.add_argument("--skip-cluster", action="store_true")
    args = parser.parse_args()
    out: dict = {"slots": args.slots, "tasks": args.tasks or "all"}
    if not args.skip_cluster:
        out["cluster_startup_s"] = cluster_startup()
        print(f"cluster start-up: initdb {out['cluster_startup_s']['initdb']} s, "
              f"copied from the cache {out['cluster_startup_s']['cached']} s", flush=True)
    ref_id, app_id = f"{args.tag}-reference", f"{args.tag}-unchanged"
    walls_file = ROOT / "results" / "speed" / f"{args.tag}-walls.json"
    if args.skip_runs:
        walls = json.loads(walls_file.read_text())
    else:
        empty = Path(tempfile.mkdtemp(prefix="speed-unchanged-"))  # laid over app/: the app as it was
        walls = {"reference": run("reference", args.tasks, args.slots, ref_id),
                 "unchanged": run(f"dir:{empty}", args.tasks, args.slots, app_id)}
        walls_file.parent.mkdir(parents=True, exist_ok=True)
        walls_file.write_text(json.dumps(walls))
    reference, unchanged = records(ref_id), records(app_id)
    out["reference_run"] = reference_figures(reference, walls["reference"], args.slots)
    out["unchanged_run_wall_s"] = round(walls["unchanged"], 1)
    out["per_task"] = per_task_ratios(reference, unchanged)
    ratios = [v["ratio"] for v in out["per_task"].values()]
    out["ratio_max"] = max(ratios) if ratios else None
    rr = out["reference_run"]
    print(f"reference run: {rr['trials']} trials ({rr['passed']} passed), wall {rr['wall_s']} s, ideal "
          f"{rr['ideal_s']} s (pytest {rr['pytest_s']} s + durability {rr['durability_s']} s over {args.slots} "
          f"slots): {rr['wall_over_ideal']}x (target <= 1.2)")
    print(f"per-check overhead (hidden tests' check wall - pytest's own): median {rr['overhead_median_s']} s, "
          f"p90 {rr['overhead_p90_s']} s (target median <= 0.3 s)")
    print("unchanged app / reference grading time per task (target <= 1.5x):")
    for task, v in sorted(out["per_task"].items(), key=lambda kv: -kv[1]["ratio"]):
        print(f"  {task:40s} {v['unchanged_s']:6.1f} s / {v['reference_s']:5.1f} s = {v['ratio']:.2f}x")
    out["check_floor_s"] = check_floor()
    print("what every check pays before its tests (medians): " +
          ", ".join(f"{name} {seconds} s" for name, seconds in out["check_floor_s"].items()))
    target = ROOT / "results" / "speed" / "speed.json"
    target.write_text(json.dumps(out, indent=1))
    print(f"written to {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
