"""``claude-code/<model>``: the real Claude Code CLI, in its sandbox, against a loopback Messages API server.

A scripted session lists the files, loads the skill, writes the solution, runs commands and finishes; a second one
never loads the skill. The assertions read what the harness records (workspace, transcript, skill reads, usage)
and what the server saw (the real key only at the proxy, never in the sandbox). No test reaches the internet:
the CLI's only way out is the proxy, whose upstream is the loopback server. Skipped when the CLI is not installed
(`python run_eval.py setup` installs it; `.ci/run` runs setup).
"""

from __future__ import annotations

import json

import pytest

from harness.models.cache import ResponseCache
from harness.models.claude_code import ALLOWED_TOOLS, ClaudeCodeModel, missing_prerequisite, parse_stream
from harness.models.retry import RetryPolicy
from harness.models.settings import resolve_settings
from harness.skills import Arm
from tests.models.claude_code_server import ClaudeCodeServer
from tests.models.conftest import PRICE, SECRET
from tests.models.loopback import Turn, call
from tests.models.test_run_with_real_adapters import REFERENCE, cli, needs_grading, records  # noqa: F401

MODEL = "claude-code/loopback-model"
needs_cli = pytest.mark.skipif(missing_prerequisite() is not None, reason=f"{missing_prerequisite()}")


def session_script(load_skill: bool, probe_port: int = 1):
    """Glob, (Skill), Write greet.py, Bash probes (key, host files, network), final text."""
    probe = ("env; ls /work /root 2>&1; "
             "python -c 'from importlib.metadata import version; print(\"dbos\", version(\"dbos\"))' 2>&1; "
             "python3 -c \"import socket; "
             f"socket.create_connection(('127.0.0.1', {probe_port}), timeout=2)\" 2>&1 | tail -1")

    def script(body: dict, n: int) -> Turn:
        steps = [Turn("Looking around.", (call("Glob", pattern="**/*"),), 1000, 50)]
        if load_skill:
            steps.append(Turn("", (call("Skill", skill="dbos-python"),), 1200, 20))
            steps.append(Turn("", (call("Read", file_path="/workspace/.claude/skills/dbos-python/references/"
                                                    "queues.md"),), 1300, 20))
        steps += [Turn("", (call("Write", file_path="/workspace/greet.py", content=REFERENCE),), 1500, 400,
                       cache_write=100),
                  Turn("", (call("Bash", command=probe, description="probe"),), 1600, 30, cache_read=200),
                  Turn("Done: greet.py has the workflow.", (), 1700, 10)]
        return steps[min(n, len(steps) - 1)]

    return script


def model(tmp_path, server, **params) -> ClaudeCodeModel:
    settings = resolve_settings(MODEL, overrides={"base_url": server.url, "timeout_s": 10.0, **params})
    policy = RetryPolicy(max_retries=3, base_s=0.01)
    return ClaudeCodeModel(settings, ResponseCache(tmp_path / "cache"), PRICE, policy)


@needs_cli
def test_a_scripted_session_with_the_skill_is_recorded_and_a_rerun_makes_no_api_call(tmp_path, request_for):
    with ClaudeCodeServer(session_script(load_skill=True)) as server:
        probe = session_script(True, server._server.server_address[1])
        server.script = probe
        cc = model(tmp_path, server)
        generation = cc.generate(request_for(Arm.TOOL))
        assert generation.error is None, json.dumps(generation.transcript)[-3000:]
        asked = [(r["method"], r["path"].split("?")[0], r["body"].get("model")) for r in server.requests]
        # what the CLI asked for: the scripted session (streamed) and any side requests, all answered here
        main = server.main_requests
        assert len(main) == 6 and all(r["body"].get("stream") for r in main)
        assert all(r["headers"].get("x-api-key") == SECRET for r in server.requests)  # the proxy's key
        assert {p for _, p, _ in asked} <= {"/v1/messages", "/v1/messages/count_tokens", "/v1/models"}

        # the workspace: the file the session wrote, nothing of .claude/
        assert generation.files["greet.py"] == REFERENCE
        assert not any(p.startswith(".claude") for p in generation.files)
        # the transcript: each tool call with its input and result
        calls = [c["name"] for e in generation.transcript if e.get("role") == "assistant" for c in e["tool_calls"]]
        assert calls == ["Glob", "Skill", "Read", "Write", "Bash"]
        results = {e["name"]: e for e in generation.transcript if e.get("role") == "tool"}
        assert set(request_for(Arm.TOOL).files) <= set(results["Glob"]["content"].split())  # the starting app
        assert "QUEUES-REFERENCE" in results["Read"]["content"]
        bash = results["Bash"]["content"]
        assert SECRET not in json.dumps(generation.transcript)  # the key never reaches the sandbox or the record
        assert "ANTHROPIC_API_KEY=sk-ant-sandbox-dummy-key" in bash  # the CLI holds only the dummy key
        assert "/work" in bash and "No such file" in bash  # the checkout and /root are not in the sandbox
        assert "dbos 3.4.0" in bash  # the grading runtime is on PATH
        assert "ConnectionRefusedError" in bash  # the host's loopback (the server's port) is another namespace
        assert any("SKILL-BODY" in (e.get("content") or "") for e in generation.transcript if e.get("role") == "user")
        # the skill reads, with their turns
        assert generation.skill_reads == (("SKILL.md", 2), ("references/queues.md", 3))
        assert generation.skill_files_read == ("SKILL.md", "references/queues.md")
        # tokens: every response the proxy relayed (scripted ones and side requests)
        side = [r for r in server.requests if r["path"].startswith("/v1/messages") and not r["body"].get("tools")
                and "count_tokens" not in r["path"]]
        u = generation.usage
        assert u.input_tokens == 1000 + 1200 + 1300 + 1500 + 1600 + 1700 + 10 * len(side)
        assert u.output_tokens == 50 + 20 + 20 + 400 + 30 + 10 + 3 * len(side)
        assert (u.cache_write_tokens, u.cache_read_tokens) == (100, 200)
        assert u.calls == 6 + len(side) and u.cached_calls == 0 and u.cost_usd > 0
        assert u.spent_usd == pytest.approx(u.cost_usd)
        stop = [e for e in generation.transcript if e.get("event") == "stop"][-1]
        assert stop["reason"] == "finish" and stop["exit_code"] == 0
        exchanges = next(e for e in generation.transcript if e.get("event") == "api_exchanges")["exchanges"]
        assert len(exchanges) == len(server.requests)

        before = len(server.requests)
        again = cc.generate(request_for(Arm.TOOL))
        assert len(server.requests) == before  # a rerun makes no API call and starts no CLI
        assert again.files == generation.files and again.skill_reads == generation.skill_reads
        assert again.usage.calls == 0 and again.usage.cached_calls == u.calls and again.usage.spent_usd == 0
    print("claude-code asked for:", sorted(set(asked)), "side requests:", len(side))


@needs_cli
def test_a_session_that_never_loads_the_skill_records_no_skill_read(tmp_path, request_for):
    with ClaudeCodeServer(session_script(load_skill=False)) as server:
        generation = model(tmp_path, server).generate(request_for(Arm.TOOL))
        assert generation.error is None
        init = next(e for e in generation.transcript if e.get("event") == "cli_init")
        assert sorted(init["tools"]) == sorted(ALLOWED_TOOLS)  # no web, task or MCP tools
        assert "dbos-python" in init["skills"]  # the skill was offered...
        assert generation.skill_reads == () and generation.skill_files_read == ()  # ...and never loaded
        assert generation.files["greet.py"] == REFERENCE


@needs_cli
def test_the_none_arm_installs_nothing_and_transient_errors_are_retried_by_the_proxy(tmp_path, request_for):
    with ClaudeCodeServer(session_script(load_skill=False), fail_first=2) as server:
        generation = model(tmp_path, server).generate(request_for(Arm.NONE))
        assert generation.error is None
        assert generation.usage.retries == 2
        main = server.main_requests
        assert not any("dbos-python" in json.dumps(r["body"].get("tools")) for r in main)
        system = json.dumps(main[0]["body"].get("system"))
        assert "You are an expert Python engineer" in system and "SKILL-BODY" not in system


@needs_cli
def test_an_api_that_keeps_failing_is_an_infra_error(tmp_path, request_for):
    with ClaudeCodeServer(session_script(load_skill=False), fail_first=100) as server:
        generation = model(tmp_path, server, max_retries=1).generate(request_for(Arm.NONE))
        assert generation.error_kind == "infra_error" and "gave up" in (generation.error or "")
        assert generation.files == {}


def test_stream_events_become_transcript_entries_and_skill_reads():
    lines = [json.dumps(e) for e in [
        {"type": "system", "subtype": "init", "tools": ["Read", "Skill"], "model": "m"},
        {"type": "assistant", "message": {"id": "a", "content": [
            {"type": "tool_use", "id": "t1", "name": "Skill", "input": {"skill": "dbos-python"}}]}},
        {"type": "user", "message": {"content": [{"type": "tool_result", "tool_use_id": "t1", "content": "ok"}]}},
        {"type": "assistant", "message": {"id": "b", "content": [{"type": "text", "text": "x"}]}},
        {"type": "assistant", "message": {"id": "b", "content": [
            {"type": "tool_use", "id": "t2", "name": "Read", "input": {"file_path": "/workspace/app.py"}}]}},
        {"type": "result", "subtype": "success", "usage": {"input_tokens": 5}}]] + ["not json"]
    session = parse_stream(lines, "dbos-python")
    assert session.skill_reads == [("SKILL.md", 1)]  # reading app.py is not a skill read
    assert [e["turn"] for e in session.transcript if e.get("role") == "assistant"] == [1, 2, 2]
    assert session.result is not None and session.result["subtype"] == "success"
    assert session.transcript[-1]["event"] == "unparsed_output"
    assert parse_stream(lines, None).skill_reads == []  # no skill installed: nothing counts as a read


@needs_cli
@pytest.mark.slow
@pytest.mark.usefixtures("needs_grading")
def test_a_run_grades_the_file_the_session_wrote_and_a_rerun_is_free(tmp_path):
    results = tmp_path / "results"
    with ClaudeCodeServer(session_script(load_skill=True)) as server:
        args = ["--model", MODEL, "--arm", "tool", "--param", f"base_url={server.url}", "--slots", "1"]
        first = cli(results, *args, "--run-id", "cc")
        assert first.returncode == 0, first.stdout + first.stderr
        by_arm = {r["arm"]: r for r in records(results, "cc")}
        assert all(r["passed"] for r in by_arm.values()), by_arm
        tool = by_arm["tool"]
        assert [s["path"] for s in tool["skill_reads"]] == ["SKILL.md", "references/queues.md"]
        assert tool["skill_files_read"] == ["SKILL.md", "references/queues.md"]
        assert tool["usage"]["calls"] > 0 and tool["usage"]["input_tokens"] > 0
        graded = results / "runs" / "cc" / "trials"
        written = [p for p in graded.rglob("greet.py")]
        assert written and all(p.read_text() == REFERENCE for p in written)
        before = len(server.requests)
        rerun = cli(results, *args, "--run-id", "cc-again")
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert len(server.requests) == before
        assert all(r["usage"]["calls"] == 0 and r["passed"] for r in records(results, "cc-again"))


def test_claude_code_configuration_errors_are_one_line_exit_2(tmp_path, monkeypatch, capsys):
    from harness.cli import main

    run = ["run", "--model", "claude-code/loopback-model", "--tasks", "greet-workflow", "--dry-run",
           "--results-dir", str(tmp_path)]
    monkeypatch.setenv("DBOS_EVAL_CLAUDE_CODE", str(tmp_path / "no-claude"))
    assert main(run) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Claude Code CLI is not installed" in err and "run_eval.py setup" in err
    monkeypatch.delenv("DBOS_EVAL_CLAUDE_CODE")
    assert main([*run, "--mode", "single-shot"]) == 2
    assert "is an agent (the Claude Code CLI); use --mode agent" in capsys.readouterr().err
    monkeypatch.delenv("ANTHROPIC_API_KEY")
    assert main(run) == 2
    assert "ANTHROPIC_API_KEY is not set" in capsys.readouterr().err


def test_setup_takes_only_no_claude_code(capsys):
    from harness.install import main

    assert main(["--bogus"]) == 2
    assert "unknown argument --bogus (setup takes --no-claude-code, --docker [--docker-image BASE])" in \
        capsys.readouterr().out


def test_what_each_arm_appends_to_claude_codes_system_prompt(request_for):
    from harness.models.claude_code import appended_prompt
    from harness.prompts import BASE_SYSTEM

    assert appended_prompt(request_for(Arm.NONE)) == BASE_SYSTEM == appended_prompt(request_for(Arm.TOOL))
    assert "SKILL-BODY" in appended_prompt(request_for(Arm.INLINE))  # the skill itself, as in our loop
    placebo = appended_prompt(request_for(Arm.PLACEBO))
    assert "SKILL-BODY" not in placebo and len(placebo) > len(BASE_SYSTEM)
    assert "load the dbos-python skill with the Skill tool" in appended_prompt(request_for(Arm.TOOL_FORCED))
    index = appended_prompt(request_for(Arm.INDEX))
    assert ".claude/skills/dbos-python/" in index and "references/queues.md" in index
    assert "read_skill_file" not in index  # our loop's tool does not exist in Claude Code


@needs_cli
def test_the_proxy_ends_the_session_when_the_token_budget_is_spent(tmp_path, request_for):
    with ClaudeCodeServer(session_script(load_skill=False)) as server:
        generation = model(tmp_path, server, token_budget=1500).generate(request_for(Arm.NONE))
        assert generation.error is None  # graded as the session left it, like the agent loop's token_budget
        stop = [e for e in generation.transcript if e.get("event") == "stop"][-1]
        assert stop["reason"] == "token_budget"
        assert len(server.main_requests) == 2  # the third model call was refused by the proxy, never sent
        exchanges = next(e for e in generation.transcript if e.get("event") == "api_exchanges")["exchanges"]
        assert exchanges[-1]["refused"] == "token_budget"
        assert generation.files["greet.py"] == REFERENCE  # written by the second response, before the refusal
        calls = [c["name"] for e in generation.transcript if e.get("role") == "assistant" for c in e["tool_calls"]]
        assert calls == ["Glob", "Write"]  # the scripted Bash call never came


def test_a_side_model_is_priced_at_its_own_price(request_for, tmp_path):
    from harness.models.chat import TokenCount
    from harness.models.claude_code_proxy import ProxyLog
    from harness.models.pricing import Price

    main, side = TokenCount(input=1_000_000), TokenCount(input=1_000_000)
    log = ProxyLog(tokens=main + side, by_model={"loopback-model": main, "small-model": side}, calls=2)
    result = json.dumps({"type": "result", "subtype": "success"})
    settings = resolve_settings(MODEL)

    def outcome(price_of):
        cc = ClaudeCodeModel(settings, None, PRICE, cli=tmp_path, price_of=price_of)
        return cc._outcome(request_for(Arm.NONE), log, result, "", 0, False, 1.0, {"greet.py": "x"}, None)

    cheap = Price(input=1.0, output=5.0, cache_read=0.1, cache_write=1.25)
    priced = outcome(lambda name: cheap if name == "small-model" else None).usage
    assert priced.cost_usd == pytest.approx(3.0 + 1.0) and priced.priced and priced.calls == 2
    unpriced = outcome(lambda name: None).usage
    assert unpriced.cost_usd == pytest.approx(3.0) and not unpriced.priced  # shown as unknown, not as cheap
