"""The new arms through the whole CLI with a real-model adapter (the anthropic SDK against a loopback server):
run placebo, tool-forced and index beside none over two epochs, replay the run, and compare the replay with
the original as an A/A (``compare --aa``): byte-identical generations, regraded, flip no task."""

from __future__ import annotations

import json

import pytest

from tests.models.loopback import LoopbackServer, Turn, call
from tests.models.test_run_with_real_adapters import MODEL, REFERENCE, cli, needs_grading, records  # noqa: F401

pytestmark = pytest.mark.slow


def script(body: dict, turn: int) -> Turn:
    """Writes the reference first (tool-forced refuses it until SKILL.md is read), reads SKILL.md when the read
    tool is offered, writes again and finishes."""
    offers_skill = any(t["name"] == "read_skill_file" for t in body.get("tools", []))
    write = Turn("", (call("write_file", path="greet.py", content=REFERENCE),))
    steps = [write] + ([Turn("", (call("read_skill_file", path="SKILL.md"),))] if offers_skill else []) + [
        write, Turn("", (call("finish", summary="done"),))]
    return steps[min(turn, len(steps) - 1)]


@pytest.mark.usefixtures("needs_grading")
def test_new_arms_run_replay_and_an_aa_compare_of_the_replay_flips_nothing(tmp_path):
    from harness.cli import main

    results = tmp_path / "results"
    arms = ["--arm", "none", "--arm", "placebo", "--arm", "tool-forced", "--arm", "index"]
    with LoopbackServer("anthropic", script) as server:
        live = cli(results, "--model", MODEL, *arms, "--epochs", "2", "--slots", "1", "--run-id", "live",
                   "--param", f"base_url={server.url}")
        assert live.returncode == 0, live.stdout + live.stderr
        systems = [json.dumps(r["body"].get("system")) for r in server.requests]
        assert any("houseplant-care" in s for s in systems) and any("Docs index" in s for s in systems)
    by = {(r["arm"], r["epoch"]): r for r in records(results, "live")}
    assert len(by) == 8 and all(r["passed"] for r in by.values())
    forced = by[("tool-forced", 1)]
    assert forced["skill_reads"][0] == {"path": "SKILL.md", "turn": 2}  # the first write was refused
    assert by[("index", 1)]["skill_files_read"] == ["SKILL.md"] and by[("placebo", 1)]["skill_files_read"] == []
    report = (results / "runs" / "live" / "report.md").read_text()
    content = report.split("## Content effect (skill arm minus placebo, paired by task)")[1].split("\n## ")[0]
    assert "tool-forced:" in content and "index:" in content and "| +0 pp " in content  # all pass: no effect
    assert "## Skill activation by arm" in report and "## Eval audit" in report
    assert "always pass: greet-workflow" in report

    replay = cli(results, "--model", f"replay:{results}/runs/live", *arms, "--epochs", "2", "--slots", "1",
                 "--run-id", "regraded")
    assert replay.returncode == 0, replay.stdout + replay.stderr
    assert main(["compare", "--aa", "live", "regraded", "--results-dir", str(results)]) == 0
    aa = (results / "runs" / "regraded" / "aa-live-vs-regraded.md").read_text()
    assert "0 of 4 task-arm pairs flipped" in aa and "called 0 of 4 arm(s) significant" in aa
    assert main(["compare", "--aa", "regraded", "--results-dir", str(results)]) == 0
    split = (results / "runs" / "regraded" / "aa-regraded.md").read_text()
    assert "regraded odd epochs vs regraded even epochs" in split and "0 of 4 task-arm pairs flipped" in split
