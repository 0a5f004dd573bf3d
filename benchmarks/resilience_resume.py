"""Resume under random SIGKILLs: run N trials with a real model adapter (the anthropic SDK against a loopback
server that answers with the reference solution), kill the whole harness with SIGKILL at random moments K
times, rerun the same run id each time, then let it finish. Compared with the same run never interrupted:

- repeated model calls (a request body answered twice: paid twice), duplicated and lost trials,
- whether the final results are identical (verdicts, tests, rule findings, tokens and cost),
- the resume overhead: total wall time of all the invocations over the uninterrupted run's.

    python benchmarks/resilience_resume.py                      # 20 trials, 6 kills, seed 1 (about 3 minutes)
    python benchmarks/resilience_resume.py --trials 30 --kills 10 --seed 7 --json out.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.results import RunDir  # noqa: E402
from tests.cli_support import API_KEY, ScriptedModel, greet_tasks, model_args, normalized, start_cli  # noqa: E402
from tests.models.loopback import LoopbackServer  # noqa: E402


def timed_run(args: list[str], results: Path, tasks: Path, log: Path, kill_after: float | None = None
              ) -> tuple[float, bool, int]:
    """One invocation; SIGKILL after ``kill_after`` seconds unless it ends first. (seconds, killed, exit code)"""
    started = time.monotonic()
    proc = start_cli(*args, results=results, tasks=tasks, log=log, env={"ANTHROPIC_API_KEY": API_KEY})
    try:
        code = proc.wait(timeout=kill_after)
        return time.monotonic() - started, False, code
    except Exception:  # subprocess.TimeoutExpired: kill it
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        return time.monotonic() - started, True, -9


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.3, help="seconds per model call (default 0.3)")
    parser.add_argument("--slots", type=int, default=2)
    parser.add_argument("--json", metavar="PATH", help="also write the figures as JSON")
    opts = parser.parse_args()
    rng = random.Random(opts.seed)
    root = Path(tempfile.mkdtemp(prefix="resume-bench-"))
    tasks = greet_tasks(root / "tasks", [f"greet-{i:02d}" for i in range(opts.trials)])
    model = ScriptedModel()
    with LoopbackServer("anthropic", model, latency_s=opts.latency) as server:
        args = ["run", "--run-id", "bench", "--slots", str(opts.slots), *model_args(server.url)]
        clean_s, _, code = timed_run(args, root / "clean", tasks, root / "clean.log")
        assert code == 0, (root / "clean.log").read_text()[-2000:]
        model.answered.clear()
        run = RunDir(root / "killed", "bench")
        spent, kills = 0.0, []
        for _ in range(opts.kills):  # a random moment of what is left to do (startup included)
            left = 1 - len(run.records()) / opts.trials
            at = rng.uniform(1.0, max(2.0, clean_s * left))
            seconds, killed, code = timed_run(args, root / "killed", tasks, root / "killed.log", at)
            spent += seconds
            kills.append({"at_s": round(at, 1), "killed": killed, "recorded": len(run.records())})
            if not killed:
                break
        seconds, _, code = timed_run(args, root / "killed", tasks, root / "killed.log")
        spent += seconds
        assert code == 0, (root / "killed.log").read_text()[-2000:]
    resumed = [r.to_json() for r in run.records()]
    straight = [r.to_json() for r in RunDir(root / "clean", "bench").records()]
    ids = [r["trial_id"] for r in resumed]
    figures = {
        "trials": opts.trials, "kills": sum(k["killed"] for k in kills), "seed": opts.seed,
        "kill_points": kills,
        "repeated_model_calls": len(model.answered) - len(set(model.answered)),
        "model_calls": len(model.answered), "model_calls_uninterrupted": 2 * opts.trials,
        "duplicated_trials": len(ids) - len(set(ids)),
        "lost_trials": opts.trials - len(set(ids)),
        "identical_results": sorted(map(normalized, resumed), key=str) == sorted(map(normalized, straight), key=str),
        "uninterrupted_s": round(clean_s, 1), "killed_and_resumed_s": round(spent, 1),
        "resume_overhead": f"{(spent / clean_s - 1) * 100:.0f}%",
        "overhead_per_kill_s": round((spent - clean_s) / max(1, sum(k["killed"] for k in kills)), 1),
    }
    for key, value in figures.items():
        print(f"{key:28} {value}")
    if opts.json:
        Path(opts.json).write_text(json.dumps(figures, indent=2) + "\n")
    ok = not figures["repeated_model_calls"] and not figures["duplicated_trials"] and not figures["lost_trials"]
    return 0 if ok and figures["identical_results"] else 1


if __name__ == "__main__":
    sys.exit(main())
