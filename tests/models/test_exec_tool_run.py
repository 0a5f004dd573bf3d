"""``run --agent-tools exec`` through the whole CLI (the anthropic SDK against a loopback server, DBOS
orchestration, grading): the graded file is one only a command wrote; a rerun makes no API call and runs no
command; a files run of the same matrix has other trial keys; reports and compare name the tools."""

from __future__ import annotations

import json

import pytest

from tests.models.loopback import LoopbackServer, Turn, call
from tests.models.test_run_with_real_adapters import MODEL, REFERENCE, cli, needs_grading, records  # noqa: F401

pytestmark = pytest.mark.slow

WRITE_BY_COMMAND = f"cat > greet.py <<'PYEOF'\n{REFERENCE}PYEOF\npython -c 'import greet; print(greet.greet)'"


def script(body: dict, turn: int) -> Turn:
    """With run_command: the solution is written by a shell command only. Without: by write_file."""
    execs = any(t["name"] == "run_command" for t in body.get("tools", []))
    act = call("run_command", command=WRITE_BY_COMMAND) if execs else call("write_file", path="greet.py",
                                                                          content=REFERENCE)
    steps = [Turn("", (act,), 1000, 50), Turn("", (call("finish", summary="done"),), 1200, 10)]
    return steps[min(turn, len(steps) - 1)]


@pytest.mark.usefixtures("needs_grading")
def test_an_exec_run_grades_what_a_command_wrote_replays_without_calls_and_differs_from_files(tmp_path):
    from harness.cli import main

    results = tmp_path / "results"
    common = ["--model", MODEL, "--arm", "none", "--slots", "1"]
    with LoopbackServer("anthropic", script) as server:
        common += ["--param", f"base_url={server.url}"]
        live = cli(results, *common, "--agent-tools", "exec", "--run-id", "exec")
        assert live.returncode == 0, live.stdout + live.stderr
        calls = len(server.requests)
        assert calls == 2
        again = cli(results, *common, "--agent-tools", "exec", "--run-id", "exec-again")
        assert again.returncode == 0, again.stdout + again.stderr
        assert len(server.requests) == calls  # the rerun made no API call
        files = cli(results, *common, "--run-id", "files")
        assert files.returncode == 0, files.stdout + files.stderr
    (first,), (replayed,), (plain,) = (records(results, run) for run in ("exec", "exec-again", "files"))
    assert first["passed"] and replayed["passed"] and plain["passed"]
    assert first["usage"]["commands"] == 1 and first["usage"]["cached_commands"] == 0
    assert replayed["usage"]["commands"] == 1 and replayed["usage"]["cached_commands"] == 1
    assert replayed["usage"]["calls"] == 0
    assert first["key"] == replayed["key"] != plain["key"]
    trial = results / "runs" / "exec" / "trials" / first["trial_id"]
    assert (trial / "files" / "greet.py").read_text() == REFERENCE  # only the command wrote it
    transcript = json.loads((trial / "transcript.json").read_text())
    assert [e["name"] for e in transcript if e.get("role") == "tool"] == ["run_command", "finish"]
    report = (results / "runs" / "exec" / "report.md").read_text()
    assert "agent tools: exec (1 commands in 1 trials" in report
    assert "agent tools: files" in (results / "runs" / "files" / "report.md").read_text()
    html = (results / "runs" / "exec" / "report.html").read_text()
    assert "agent tools: exec" in html and "1 command(s)" in html and "$ cat &gt; greet.py" in html
    assert main(["compare", "files", "exec", "--results-dir", str(results)]) == 0
    compared = (results / "runs" / "exec" / "compare-files.md").read_text()
    assert "Agent tools: baseline files, candidate exec" in compared
