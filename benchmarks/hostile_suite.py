"""The hostile suite through the normal pipeline: ``run_eval.py validate`` on ``tests/fixtures/hostile`` (the
reference plus every attack, each graded in the sandbox by the DBOS orchestrator), with a canary API key in
the harness's environment. Prints one row per attack: its verdict, reason and grading time; then whether the
canary appears in any file of the run, and whether any process of a sandbox uid is left.

    python benchmarks/hostile_suite.py            # about 2 minutes (two attacks run into the 30 s wall clock)
    python benchmarks/hostile_suite.py --sandbox docker [--docker-image BASE]   # the same under docker
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders.sandbox import FIRST_SANDBOX_UID, SANDBOX_UIDS, _live_pids  # noqa: E402
from harness.results import RunDir  # noqa: E402


def main() -> int:
    results = Path(tempfile.mkdtemp(prefix="hostile-bench-"))
    canary = "sk-ant-CANARY-" + secrets.token_hex(12)
    env = {**os.environ, "ANTHROPIC_API_KEY": canary, "OPENAI_API_KEY": canary}
    done = subprocess.run([sys.executable, str(REPO / "run_eval.py"), "validate", "--tasks-dir",
                           str(REPO / "tests" / "fixtures" / "hostile"), "--repeats", "1", "--run-id", "hostile",
                           "--results-dir", str(results), "--slots", "1", *sys.argv[1:]],
                          cwd=REPO, env=env, capture_output=True, text=True)
    records = RunDir(results, "hostile").records()
    print(f"{'attack':20} {'status':7} {'passed':6} {'reason':16} {'grading':>8}  detail")
    for r in sorted(records, key=lambda r: r.model):
        name = r.model.removeprefix("mutant:")
        print(f"{name:20} {r.status:7} {str(r.passed):6} {str(r.reason):16} {r.grading_s:7.1f}s  "
              f"{r.detail.removeprefix('hidden_tests: ')[:90]}")
    leaked = [str(p) for p in results.rglob("*") if p.is_file() and canary in p.read_text(errors="replace")]
    left = [pid for uid in range(FIRST_SANDBOX_UID, FIRST_SANDBOX_UID + SANDBOX_UIDS) for pid in _live_pids(uid)]
    print(f"validate exit code {done.returncode}; canary found in {len(leaked)} file(s) of the run {leaked[:3]}; "
          f"processes of sandbox uids alive now: {len(left)} (other runs on this machine count too)")
    return 0 if done.returncode == 0 and not leaked else 1


if __name__ == "__main__":
    sys.exit(main())
