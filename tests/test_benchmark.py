"""The benchmark validates itself through the real pipeline: every reference passes every check with no rule
violation, and every mutant is caught exactly as its mutant.toml declares (checks, hidden tests, rule ids).

CI runs each reference once here; `python run_eval.py validate` (three runs per reference, to catch flaky
tasks) is the full check the README documents.
"""

import os
import subprocess
import sys

from tests.conftest import REPO


def test_every_reference_passes_and_every_mutant_is_caught(tmp_path, pg_server, bwrap_available, runtime):
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    done = subprocess.run([sys.executable, str(REPO / "run_eval.py"), "validate", "--repeats", "1",
                           "--results-dir", str(tmp_path), "--run-id", "ci-validate"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=1500, check=False)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    assert "Benchmark valid" in done.stdout
