"""The real SDKs, driven by the agent loop against loopback servers speaking each provider's wire format."""

from __future__ import annotations

import json

import pytest

from harness.skills import Arm
from tests.models.conftest import PRICE, SECRET, Sleeps, files_under
from tests.models.loopback import Fault, LoopbackServer, Turn, call

PROTOCOLS = ("anthropic", "openai")
NEW_GREET = 'from dbos import DBOS\n\n\n@DBOS.workflow()\ndef greet(name: str) -> str:\n    return "hello " + name\n'

EDIT_SCRIPT = [
    Turn("Looking around.", (call("list_files"), call("read_file", path="greet.py")), input_tokens=1200,
         output_tokens=40, cache_write=900),
    Turn("", (call("write_file", path="greet.py", content=NEW_GREET),), input_tokens=300, output_tokens=120,
         cache_read=900),
    Turn("", (call("replace_in_file", path="greet.py", old_text='"hello "', new_text="'hello '"),),
         input_tokens=200, output_tokens=60, cache_read=1100),
    Turn("Done.", (call("finish", summary="made greet a workflow"),), input_tokens=100, output_tokens=15,
         cache_read=1300),
]


def scripted_tokens(script: list[Turn]) -> dict[str, int]:
    return {"input_tokens": sum(t.input_tokens for t in script),
            "output_tokens": sum(t.output_tokens for t in script),
            "cache_read_tokens": sum(t.cache_read for t in script),
            "cache_write_tokens": sum(t.cache_write for t in script)}


def expected_cost(script: list[Turn]) -> float:
    t = scripted_tokens(script)
    return round((t["input_tokens"] * PRICE.input + t["output_tokens"] * PRICE.output
                  + t["cache_read_tokens"] * PRICE.cache_read + t["cache_write_tokens"] * PRICE.cache_write) / 1e6, 9)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_agent_edits_the_workspace_through_tools_and_everything_is_in_the_transcript(protocol, make_model,
                                                                                        request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        generation = make_model(server).generate(request_for())
    assert generation.error is None and generation.error_kind is None
    assert generation.files == {"greet.py": NEW_GREET.replace('"hello "', "'hello '")}
    roles = [e.get("role") or e.get("event") for e in generation.transcript]
    assert roles.count("assistant") == 4 and roles.count("tool") == 5 and roles[-1] == "stop"
    assert generation.transcript[-1]["reason"] == "finish"
    tools = [(e["name"], json.loads(e["arguments"])) for e in generation.transcript if e.get("role") == "tool"]
    assert [name for name, _ in tools] == ["list_files", "read_file", "write_file", "replace_in_file", "finish"]
    read = next(e for e in generation.transcript if e.get("name") == "read_file")
    assert read["content"] == 'def greet(name: str) -> str:\n    return "hello " + name\n' and not read["is_error"]
    said = [e["content"] for e in generation.transcript if e.get("role") == "assistant"]
    assert said[0] == "Looking around." and said[-1] == "Done."
    # the model saw the starting app, and the conversation went back to it with every tool result
    first = json.dumps(server.requests[0]["body"])
    assert "return \\\"hello \\\" + name" in first
    last = server.requests[-1]["body"]["messages"]
    assert sum(1 for m in last if m["role"] == "assistant") == 3


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_token_accounting_and_cost_match_the_scripted_usage_exactly(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        usage = make_model(server).generate(request_for()).usage
    tokens = scripted_tokens(EDIT_SCRIPT)
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        tokens["input_tokens"], tokens["output_tokens"], tokens["cache_read_tokens"], tokens["cache_write_tokens"])
    assert usage.cost_usd == expected_cost(EDIT_SCRIPT) == usage.spent_usd
    assert usage.calls == 4 and usage.cached_calls == 0 and usage.retries == 0 and usage.priced


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_429_500_and_a_dropped_connection_are_retried_honouring_retry_after(protocol, make_model, request_for):
    sleeps = Sleeps()
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        server.fail(Fault(429, {"retry-after": "7"}), Fault(500), Fault(drop=True), Fault(garbage=True))
        generation = make_model(server, sleeps=sleeps).generate(request_for())
    assert generation.error is None and generation.files["greet.py"].startswith("from dbos import DBOS")
    assert len(server.requests) == 4 + 4 and server.answered == 4
    assert sleeps[0] == 7.0  # the server's retry-after, exactly
    assert all(0.5 * 2**i <= s <= 2**i for i, s in enumerate(sleeps[1:], start=1))  # backoff with jitter
    retries = [e for e in generation.transcript if e.get("event") == "retry"]
    assert [r["status"] for r in retries] == [429, 500, None, None] and [r["attempt"] for r in retries] == [1, 2, 3, 4]
    assert "Connection" in retries[2]["error"] and "unreadable response body" in retries[3]["error"]
    assert generation.usage.retries == 4 and generation.usage.calls == 4


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_retry_after_is_really_waited_for(protocol, make_model, request_for):
    from harness.models.retry import RetryPolicy

    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        server.fail(Fault(429, {"retry-after-ms": "50"}))
        model = make_model(server)
        model.policy = RetryPolicy(max_retries=2)  # real sleeping
        generation = model.generate(request_for())
    retry = next(e for e in generation.transcript if e.get("event") == "retry")
    assert retry["wait_s"] == 0.05 and generation.error is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_when_retries_run_out_the_trial_is_an_infra_error_not_a_model_failure(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        server.fail(*[Fault(529)] * 3)
        generation = make_model(server, max_retries=2).generate(request_for())
    assert generation.error_kind == "infra_error" and generation.files == {}
    assert "gave up after 3 attempts" in generation.error and "529" in generation.error
    assert len(server.requests) == 3 and generation.usage.retries == 2
    assert generation.transcript[-1]["event"] == "stop" and generation.transcript[-1]["reason"] == "infra_error"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_timeout_is_retried_then_an_infra_error(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT, latency_s=1.0) as server:
        generation = make_model(server, max_retries=1, timeout_s=0.2).generate(request_for())
    assert generation.error_kind == "infra_error" and "Timeout" in generation.error
    assert [e["attempt"] for e in generation.transcript if e.get("event") == "retry"] == [1]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_rejected_request_is_not_retried_and_is_an_infra_error(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        server.fail(Fault(401))
        generation = make_model(server).generate(request_for())
    assert generation.error_kind == "infra_error" and "401" in generation.error
    assert len(server.requests) == 1 and generation.usage.retries == 0


BROKEN_ARGS = {"anthropic": ("write_fil", {"path": "greet.py"}), "openai": ("write_file", '{"path": "greet.py", "con')}


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_repeatedly_breaking_the_tool_protocol_is_a_model_error_with_the_raw_text(protocol, make_model, request_for):
    broken = Turn("", (BROKEN_ARGS[protocol],))
    with LoopbackServer(protocol, [broken]) as server:
        generation = make_model(server, max_tool_errors=3).generate(request_for())
    assert generation.error_kind == "model_error" and "broke the tool protocol" in generation.error
    assert generation.files == {} and len(server.requests) == 3
    error = next(e for e in generation.transcript if e.get("event") == "model_error")
    assert error["raw"] == (broken.tool_calls[0][1] if protocol == "openai" else json.dumps({"path": "greet.py"}))
    results = [e for e in generation.transcript if e.get("role") == "tool"]
    assert all(r["is_error"] for r in results)
    assert ("unknown tool 'write_fil'" if protocol == "anthropic" else "not a JSON object") in results[0]["content"]


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_one_bad_tool_call_is_told_to_the_model_which_recovers(protocol, make_model, request_for):
    script = [Turn("", (BROKEN_ARGS[protocol],)), *EDIT_SCRIPT]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server).generate(request_for())
    assert generation.error is None and generation.files["greet.py"].startswith("from dbos")
    second = server.requests[1]["body"]["messages"]
    assert "error:" in json.dumps(second[-1])  # the tool error went back as the tool result


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_rerun_of_the_same_configuration_makes_zero_api_calls(protocol, make_model, request_for, tmp_path):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        first = make_model(server).generate(request_for())
        calls = len(server.requests)
        again = make_model(server).generate(request_for())
        assert len(server.requests) == calls  # all 4 responses came from the cache
        other_epoch = make_model(server).generate(request_for(epoch=2))
        assert len(server.requests) == calls + 4  # a new epoch asks the model again
        no_cache = make_model(server, cache=False).generate(request_for())
        assert len(server.requests) == calls + 8
    assert again.files == first.files == other_epoch.files == no_cache.files
    assert again.usage.calls == 0 and again.usage.cached_calls == 4 and again.usage.spent_usd == 0
    assert again.usage.cost_usd == first.usage.cost_usd == first.usage.spent_usd  # what the trial is worth
    assert all(e["cached"] for e in again.transcript if e.get("role") == "assistant")


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_different_parameter_misses_the_cache(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        make_model(server).generate(request_for())
        make_model(server, temperature=0.5).generate(request_for())
        assert len(server.requests) == 8
        body = server.requests[-1]["body"]
    assert body["temperature"] == 0.5


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_turn_limit_and_the_token_budget_stop_the_loop_and_the_workspace_is_graded(protocol, make_model,
                                                                                       request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        by_turns = make_model(server, max_turns=2).generate(request_for())
        by_tokens = make_model(server, cache=False, token_budget=1500).generate(request_for())
    assert by_turns.error is None and by_turns.transcript[-1]["reason"] == "turn_limit"
    assert by_turns.files["greet.py"] == NEW_GREET  # the write of turn 2 is kept
    assert by_tokens.error is None and by_tokens.transcript[-1]["reason"] == "token_budget"
    assert by_tokens.usage.calls == 1  # turn 1 alone used 1,200 + 40 + 900 tokens


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_a_model_that_stops_talking_is_nudged_once_then_its_workspace_is_graded(protocol, make_model, request_for):
    script = [Turn("", (call("write_file", path="greet.py", content=NEW_GREET),)), Turn("All done."),
              Turn("Really done.")]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server).generate(request_for())
    assert generation.error is None and generation.files["greet.py"] == NEW_GREET
    assert generation.transcript[-1]["reason"] == "end_turn" and len(server.requests) == 3
    assert "call finish" in json.dumps(server.requests[2]["body"]["messages"][-1])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_tool_arm_discloses_the_skill_on_demand_and_logs_every_read_with_its_turn(protocol, make_model,
                                                                                       request_for):
    script = [Turn("", (call("read_skill_file", path="SKILL.md"),)),
              Turn("", (call("read_skill_file", path="references/workflows.md"),
                        call("read_skill_file", path="references/nope.md"))),
              Turn("", (call("read_skill_file", path="SKILL.md"),)),
              *EDIT_SCRIPT]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server).generate(request_for(Arm.TOOL))
    first = json.dumps(server.requests[0]["body"])
    assert "Guide to DBOS workflows." in first and "SKILL-BODY" not in first  # name and description only
    assert "read_skill_file" in first
    assert generation.skill_files_read == ("SKILL.md", "references/workflows.md")
    assert generation.skill_reads == (("SKILL.md", 1), ("references/workflows.md", 2), ("SKILL.md", 3))
    missing = next(e for e in generation.transcript if e.get("role") == "tool" and "nope" in e["arguments"])
    assert missing["is_error"] and "references/queues.md" in missing["content"]  # lists what exists
    assert "SKILL-BODY" in json.dumps(server.requests[1]["body"])  # the tool result went back to the model


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_arms_other_than_tool_have_no_skill_tool(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        make_model(server).generate(request_for(Arm.INLINE))
    body = json.dumps(server.requests[0]["body"])
    assert "SKILL-BODY" in body and "read_skill_file" not in body


FENCED = "Here you go.\n\n```python path=greet.py\n" + NEW_GREET + "```\n"


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_single_shot_parses_whole_files_from_fenced_blocks_and_sends_no_tools(protocol, make_model, request_for):
    with LoopbackServer(protocol, [Turn(FENCED, input_tokens=500, output_tokens=90)]) as server:
        generation = make_model(server, mode="single-shot").generate(request_for())
    assert generation.error is None and generation.files == {"greet.py": NEW_GREET}
    assert "tools" not in server.requests[0]["body"] and len(server.requests) == 1
    assert generation.usage.input_tokens == 500 and generation.usage.output_tokens == 90


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_single_shot_in_the_tool_arm_may_read_the_skill_first(protocol, make_model, request_for):
    script = [Turn("", (call("read_skill_file", path="SKILL.md"),)), Turn(FENCED)]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server, mode="single-shot").generate(request_for(Arm.TOOL))
    assert generation.files == {"greet.py": NEW_GREET} and generation.skill_files_read == ("SKILL.md",)
    tools = server.requests[0]["body"]["tools"]
    assert len(tools) == 1 and "read_skill_file" in json.dumps(tools)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_an_unparseable_single_shot_answer_is_a_model_error_with_the_raw_text(protocol, make_model, request_for):
    text = "I would change greet to be a workflow, but here is no code."
    with LoopbackServer(protocol, [Turn(text)]) as server:
        generation = make_model(server, mode="single-shot").generate(request_for())
    assert generation.error_kind == "model_error" and "no fenced code block" in generation.error
    assert next(e for e in generation.transcript if e.get("event") == "model_error")["raw"] == text


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_api_key_is_sent_to_the_server_but_never_written_anywhere(protocol, make_model, request_for, tmp_path):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        generation = make_model(server).generate(request_for())
    headers = json.dumps(server.requests[0]["headers"])
    assert SECRET in headers  # the SDK authenticated with the key from the environment
    assert SECRET not in json.dumps(generation.transcript) + json.dumps(generation.files)
    assert SECRET not in files_under(tmp_path)  # the response cache


def test_an_openai_compatible_server_never_receives_the_openai_key(make_model, request_for, monkeypatch):
    from harness.models.agent import ApiModel
    from harness.models.openai_model import OpenAIClient
    from harness.models.settings import resolve_settings

    with LoopbackServer("openai", EDIT_SCRIPT) as server:
        settings = resolve_settings("openai-compatible/qwen", base_url=server.url)
        ApiModel(settings, OpenAIClient(settings)).generate(request_for())
        monkeypatch.setenv("OPENAI_COMPATIBLE_API_KEY", "local-key")
        ApiModel(settings, OpenAIClient(settings)).generate(request_for())
    assert SECRET not in json.dumps([r["headers"] for r in server.requests])
    assert server.requests[0]["headers"]["authorization"] == "Bearer not-needed"
    assert server.requests[-1]["headers"]["authorization"] == "Bearer local-key"
    assert server.requests[0]["body"]["max_tokens"] == 8192 and server.requests[0]["body"]["model"] == "qwen"


def test_anthropic_requests_mark_the_system_prompt_and_the_conversation_for_prompt_caching(make_model, request_for):
    with LoopbackServer("anthropic", EDIT_SCRIPT) as server:
        make_model(server).generate(request_for())
        make_model(server, cache=False, prompt_cache=False).generate(request_for())
    cached, plain = server.requests[1]["body"], server.requests[-1]["body"]
    assert cached["system"][0]["cache_control"] == {"type": "ephemeral"}
    assert cached["messages"][-1]["content"][-1]["cache_control"] == {"type": "ephemeral"}
    assert sum("cache_control" in json.dumps(m) for m in cached["messages"]) == 1  # one moving breakpoint
    assert "cache_control" not in json.dumps(plain)
