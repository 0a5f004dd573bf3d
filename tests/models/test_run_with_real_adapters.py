"""The whole CLI path with a real-model adapter: ``run_eval.py`` -> DBOS orchestration -> the anthropic SDK
against a loopback server -> grading in the sandbox -> records and report; then a rerun from the cache, a replay,
``--max-cost`` and ``--dry-run``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURE_TASKS, REPO
from tests.models.conftest import SECRET, files_under
from tests.models.loopback import LoopbackServer, Turn, call

MODEL = "anthropic/claude-sonnet-4-6"  # priced in harness/prices.toml: $3 in, $15 out, $0.30 read, $3.75 write
REFERENCE = (FIXTURE_TASKS / "greet-workflow" / "reference" / "greet.py").read_text()


def script(body: dict, turn: int) -> Turn:
    """Reads the skill first when it is offered, then writes the reference solution and finishes."""
    offers_skill = any(t["name"] == "read_skill_file" for t in body.get("tools", []))
    steps = ([Turn("", (call("read_skill_file", path="SKILL.md"),), 1000, 10)] if offers_skill else []) + [
        Turn("Writing it.", (call("write_file", path="greet.py", content=REFERENCE),), 2000, 300, cache_write=500),
        Turn("", (call("finish", summary="done"),), 100, 5, cache_read=2500)]
    return steps[min(turn, len(steps) - 1)]


@pytest.fixture()
def needs_grading(pg_server, bwrap_available, runtime):
    """Postgres binaries, bubblewrap and the runtime must exist (the CLI starts its own cluster)."""


def cli(results: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.endswith("_BASE_URL")}
    env["ANTHROPIC_API_KEY"] = SECRET
    cmd = [sys.executable, str(REPO / "run_eval.py"), "run", "--tasks", "greet-workflow", "--tasks-dir",
           str(FIXTURE_TASKS), "--results-dir", str(results), *args]
    return subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def records(results: Path, run_id: str) -> list[dict]:
    path = results / "runs" / run_id / "trials.jsonl"
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_real_model_run_is_graded_costed_cached_replayed_and_budgeted(tmp_path, needs_grading):
    results = tmp_path / "results"
    with LoopbackServer("anthropic", script) as server:
        live = ["--model", MODEL, "--arm", "none", "--arm", "tool", "--param", f"base_url={server.url}"]
        dry = cli(results, *live, "--run-id", "dry", "--dry-run")
        assert dry.returncode == 0 and "2 trials; estimated cost $" in dry.stdout and not server.requests

        first = cli(results, *live, "--run-id", "live")
        assert first.returncode == 0, first.stdout + first.stderr
        by_arm = {r["arm"]: r for r in records(results, "live")}
        assert set(by_arm) == {"none", "tool"} and all(r["passed"] for r in by_arm.values())
        assert by_arm["tool"]["skill_files_read"] == ["SKILL.md"] and by_arm["none"]["skill_files_read"] == []
        assert by_arm["tool"]["skill_reads"] == [{"path": "SKILL.md", "turn": 1}]
        none = by_arm["none"]["usage"]
        assert (none["input_tokens"], none["output_tokens"], none["cache_read_tokens"], none["cache_write_tokens"]) == (
            2100, 305, 2500, 500)
        assert none["cost_usd"] == round((2100 * 3 + 305 * 15 + 2500 * 0.3 + 500 * 3.75) / 1e6, 9) == none["spent_usd"]
        assert by_arm["tool"]["usage"]["calls"] == 3 and len(server.requests) == 5
        report = (results / "runs" / "live" / "report.md").read_text()
        assert "## Cost of model calls" in report and "## Skill activation (tool arm)" in report
        assert "1/1 (100%)" in report
        manifest = json.loads((results / "runs" / "live" / "run.json").read_text())
        assert manifest["api_keys_present"] == ["ANTHROPIC_API_KEY"] and MODEL in manifest["model_settings"]
        transcript = json.loads((results / "runs" / "live" / "trials" / by_arm["tool"]["trial_id"] /
                                 "transcript.json").read_text())
        assert [e["name"] for e in transcript if e.get("role") == "tool"] == ["read_skill_file", "write_file", "finish"]

        again = cli(results, *live, "--run-id", "again")
        assert again.returncode == 0 and len(server.requests) == 5  # zero API calls: all from the cache
        cached = {r["arm"]: r["usage"] for r in records(results, "again")}
        assert cached["none"]["cached_calls"] == 2 and cached["none"]["spent_usd"] == 0
        assert cached["none"]["cost_usd"] == none["cost_usd"]

        replay = cli(results, "--model", f"replay:{results}/runs/live", "--arm", "none", "--arm", "tool",
                     "--run-id", "regraded")
        assert replay.returncode == 0, replay.stdout + replay.stderr
        assert len(server.requests) == 5 and all(r["passed"] for r in records(results, "regraded"))
        assert len(records(results, "regraded")) == 2

        capped = cli(results, *live, "--run-id", "capped", "--no-cache", "--max-cost", "0.0001")
        assert capped.returncode == 1 and "--max-cost" in capped.stdout and "2 of 2 trials not started" in capped.stdout
        assert len(server.requests) == 5 and records(results, "capped") == []
    assert SECRET not in files_under(results)  # not in records, transcripts, manifests, reports or the cache
