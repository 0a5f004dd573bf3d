"""Figures for ``claude-code/<model>`` (issue 18), one scripted task against a loopback Messages API server.

    python benchmarks/claude_code.py [--trials 3]

What runs: the real Claude Code CLI in its sandbox (``harness.models.claude_code``) on the fixture task
greet-workflow, ``tool`` arm, driven by ``tests/models/claude_code_server.py``: Glob, load the skill, read a
reference, write greet.py, run a command, finish. For comparison the harness's own agent loop (files-only tools,
``anthropic/<model>`` through the SDK) runs the same task with its own script (list_files, read_skill_file,
write_file, finish) against ``tests/models/loopback.py``. Printed:

1. wall time and tokens per trial (median of --trials fresh sessions, no cache), per backend;
2. which events the claude-code transcript captures (entries by kind) and what the CLI asked the API for;
3. what a rerun costs: API calls and CLI starts of the same trial with the cache (claude-code caches the whole
   session; the agent loop caches each response).
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.models.agent import ApiModel  # noqa: E402
from harness.models.anthropic_model import AnthropicClient  # noqa: E402
from harness.models.base import GenerationRequest  # noqa: E402
from harness.models.cache import ResponseCache  # noqa: E402
from harness.models.claude_code import ClaudeCodeModel, missing_prerequisite  # noqa: E402
from harness.models.pricing import load_prices  # noqa: E402
from harness.models.reference import read_tree  # noqa: E402
from harness.models.retry import RetryPolicy  # noqa: E402
from harness.models.settings import resolve_settings  # noqa: E402
from harness.prompts import system_prompt, user_prompt  # noqa: E402
from harness.skills import Arm, load_skill  # noqa: E402
from harness.tasks import load_task  # noqa: E402
from tests.models.claude_code_server import ClaudeCodeServer  # noqa: E402
from tests.models.loopback import LoopbackServer, Turn, call  # noqa: E402

TASK = REPO / "tests" / "fixtures" / "tasks" / "greet-workflow"
REFERENCE = (TASK / "reference" / "greet.py").read_text()


def cc_script(body: dict, n: int) -> Turn:
    steps = [Turn("Looking around.", (call("Glob", pattern="**/*"),), 1000, 50),
             Turn("", (call("Skill", skill="dbos-python"),), 1200, 20),
             Turn("", (call("Write", file_path="/workspace/greet.py", content=REFERENCE),), 1500, 400),
             Turn("", (call("Bash", command="python3 -c 'import ast; ast.parse(open(\"greet.py\").read())'",
                            description="check syntax"),), 1600, 30),
             Turn("Done.", (), 1700, 10)]
    return steps[min(n, len(steps) - 1)]


def loop_script(body: dict, n: int) -> Turn:
    steps = [Turn("", (call("list_files"),), 1000, 50), Turn("", (call("read_skill_file", path="SKILL.md"),), 1200, 20),
             Turn("", (call("write_file", path="greet.py", content=REFERENCE),), 1500, 400),
             Turn("", (call("finish", summary="done"),), 1600, 10)]
    return steps[min(n, len(steps) - 1)]


def request(epoch: int) -> GenerationRequest:
    task, skill = load_task(TASK), load_skill(REPO / "skill")
    files = read_tree(task.app_dir)
    return GenerationRequest(task, Arm.TOOL, skill, system_prompt(Arm.TOOL, skill), user_prompt(task, files), files,
                             epoch)


def measure(make, trials: int) -> tuple[list[float], list, object]:
    walls, generations = [], []
    for epoch in range(1, trials + 1):
        model = make(None)
        started = time.perf_counter()
        generations.append(model.generate(request(epoch)))
        walls.append(time.perf_counter() - started)
    return walls, generations, generations[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    if problem := missing_prerequisite():
        print(f"claude-code: {problem}")
        return 2
    os.environ["ANTHROPIC_API_KEY"] = "sk-loopback-benchmark"  # both servers are on 127.0.0.1; no real key is used
    prices = load_prices()
    policy = RetryPolicy(max_retries=2, base_s=0.05)
    with tempfile.TemporaryDirectory() as tmp, ClaudeCodeServer(cc_script) as cc_server, \
            LoopbackServer("anthropic", loop_script) as loop_server:
        def cc(cache):
            settings = resolve_settings("claude-code/claude-sonnet-4-6", overrides={"base_url": cc_server.url})
            return ClaudeCodeModel(settings, cache, prices.lookup(settings.model_id), policy)

        def loop(cache):
            settings = resolve_settings("anthropic/claude-sonnet-4-6", overrides={"base_url": loop_server.url})
            return ApiModel(settings, AnthropicClient(settings), cache, prices.lookup(settings.model_id), policy)

        print(f"1. wall time and tokens per trial (median of {args.trials}, fresh sessions, loopback API)")
        for label, make in (("files-only (our loop)", loop), ("claude-code", cc)):
            walls, gens, last = measure(make, args.trials)
            u = last.usage
            ok = all(g.error is None and g.files.get("greet.py") == REFERENCE for g in gens)
            print(f"   {label:22} wall {statistics.median(walls):6.2f} s (min {min(walls):.2f}, max {max(walls):.2f})"
                  f"  tokens in {u.input_tokens} out {u.output_tokens} (cache r/w {u.cache_read_tokens}/"
                  f"{u.cache_write_tokens})  API calls {u.calls}  ${u.cost_usd:.4f}  wrote greet.py: {ok}")
        kinds = collections.Counter(e.get("event") or e.get("role") for e in last.transcript)
        asked = collections.Counter(f"{r['method']} {r['path'].split('?')[0]} {r['body'].get('model')}"
                                    f"{' (tools)' if r['body'].get('tools') else ''}" for r in cc_server.requests)
        print("2. claude-code transcript entries by kind (last trial):", dict(kinds))
        print("   tool calls:", [c["name"] for e in last.transcript if e.get("role") == "assistant"
                                 for c in e["tool_calls"]], " skill reads:", list(last.skill_reads))
        print(f"   the CLI asked the API ({len(cc_server.requests)} requests, {args.trials} sessions):", dict(asked))

        first = cc_server.requests[0]["body"]
        print(f"   the CLI's first request: system {len(json.dumps(first.get('system')))} chars, "
              f"{len(first.get('tools') or [])} tools {len(json.dumps(first.get('tools')))} chars, "
              f"messages {len(json.dumps(first.get('messages')))} chars (about 4 characters a token)")
        print("3. a rerun of the same trial with the cache")
        for label, make, server in (("files-only (our loop)", loop, loop_server), ("claude-code", cc, cc_server)):
            cache = ResponseCache(Path(tmp) / label.split()[0])
            make(cache).generate(request(99))
            before = len(server.requests)
            started = time.perf_counter()
            again = make(cache).generate(request(99))
            print(f"   {label:22} API calls {len(server.requests) - before}, responses from the cache "
                  f"{again.usage.cached_calls}, spent ${again.usage.spent_usd:.4f}, "
                  f"wall {time.perf_counter() - started:.3f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
