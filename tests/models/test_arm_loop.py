"""The new arms through the real SDKs against loopback servers: tool-forced holds the workspace until SKILL.md is
read (the forced read happens first), index offers a docs index and the read tool, placebo is inline and
irrelevant."""

from __future__ import annotations

import json

import pytest

from harness.prompts import FORCED_READ
from harness.skills import Arm
from tests.models.loopback import LoopbackServer, Turn, call
from tests.models.test_agent_loop import EDIT_SCRIPT, NEW_GREET, PROTOCOLS

WRITE = call("write_file", path="greet.py", content=NEW_GREET)


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_tool_forced_refuses_the_workspace_until_skill_md_is_read(protocol, make_model, request_for):
    script = [Turn("", (WRITE,)),  # ignores the instruction: refused, nothing written
              Turn("", (call("read_skill_file", path="references/queues.md"),)),  # a reference is not enough
              Turn("", (call("list_files"),)),
              Turn("", (call("read_skill_file", path="SKILL.md"),)),
              Turn("", (WRITE,)), Turn("Done.", (call("finish", summary="done"),))]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server).generate(request_for(Arm.TOOL_FORCED))
    first = json.dumps(server.requests[0]["body"])
    assert json.dumps(FORCED_READ)[1:-1] in first and "read_skill_file" in first and "SKILL-BODY" not in first
    tools = [e for e in generation.transcript if e.get("role") == "tool"]
    assert [(t["name"], t["is_error"]) for t in tools] == [
        ("write_file", True), ("read_skill_file", False), ("list_files", True), ("read_skill_file", False),
        ("write_file", False), ("finish", False)]
    assert "SKILL.md" in tools[0]["content"] and "first" in tools[0]["content"]
    assert generation.skill_reads == (("references/queues.md", 2), ("SKILL.md", 4))
    assert generation.files["greet.py"] == NEW_GREET and generation.error is None


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_the_plain_tool_arm_does_not_hold_the_workspace(protocol, make_model, request_for):
    with LoopbackServer(protocol, [Turn("", (WRITE,)), Turn("", (call("finish"),))]) as server:
        generation = make_model(server).generate(request_for(Arm.TOOL))
    assert generation.files["greet.py"] == NEW_GREET and generation.skill_reads == ()
    assert FORCED_READ not in json.dumps(server.requests[0]["body"])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_index_lists_the_files_and_reads_them_through_the_tool(protocol, make_model, request_for):
    script = [Turn("", (call("read_skill_file", path="references/workflows.md"),)), *EDIT_SCRIPT]
    with LoopbackServer(protocol, script) as server:
        generation = make_model(server).generate(request_for(Arm.INDEX))
    first = json.dumps(server.requests[0]["body"])
    assert "- references/workflows.md: WORKFLOWS-REFERENCE" in first and "- SKILL.md: Guide to DBOS" in first
    assert "SKILL-BODY" not in first and "read_skill_file" in first
    assert generation.skill_reads == (("references/workflows.md", 1),)
    assert "WORKFLOWS-REFERENCE" in json.dumps(server.requests[1]["body"])


@pytest.mark.parametrize("protocol", PROTOCOLS)
def test_placebo_is_inline_about_houseplants_with_no_skill_tool(protocol, make_model, request_for):
    with LoopbackServer(protocol, EDIT_SCRIPT) as server:
        make_model(server).generate(request_for(Arm.PLACEBO))
    body = json.dumps(server.requests[0]["body"])
    assert "houseplant-care" in body and "read_skill_file" not in body
    assert "SKILL-BODY" not in body and "WORKFLOWS-REFERENCE" not in body and "Guide to DBOS" not in body
