"""What ``--agent-tools exec`` costs per trial against ``files``, for one scripted task (loopback, no internet).

    python benchmarks/agent_tools.py                   # anthropic wire format, 3 trials per tool set
    python benchmarks/agent_tools.py --protocol openai --trials 5

What runs: the agent loop of a real adapter (the official SDK) against ``tests/models/loopback.py`` on
127.0.0.1, on the fixture task ``greet-workflow``, with a grading environment like ``run`` opens (bubblewrap, the
runtime venv, a throwaway Postgres cluster). The scripted sessions:

- files: list_files, write_file (the fix), finish;
- exec: list_files, run_command (imports the app, fails), write_file (the fix), run_command (imports it again,
  passes, writes a file), finish.

The loopback server bills each request ``len(request JSON) / 4`` input tokens, so the token figure grows with
what the conversation carries (command output included), as a real API's would. Figures per trial: generation
wall time (grading is not included: it is the same for both), model calls, input and output tokens, commands and
their sandbox wall time; what one command costs by itself (opening the session, a `true`, importing dbos); the
transcript's kinds of entries; and what a rerun of the same trials costs (API calls, commands run) with the
response cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from graders import GradingEnvironment  # noqa: E402
from graders.runtime import default_cache_dir  # noqa: E402
from harness.models.agent import ApiModel  # noqa: E402
from harness.models.anthropic_model import AnthropicClient  # noqa: E402
from harness.models.base import GenerationRequest  # noqa: E402
from harness.models.cache import ResponseCache  # noqa: E402
from harness.models.exec_tool import CommandSandbox  # noqa: E402
from harness.models.openai_model import OpenAIClient  # noqa: E402
from harness.models.reference import read_tree  # noqa: E402
from harness.models.retry import RetryPolicy  # noqa: E402
from harness.models.settings import resolve_settings  # noqa: E402
from harness.prompts import system_prompt, user_prompt  # noqa: E402
from harness.skills import Arm  # noqa: E402
from harness.tasks import load_task  # noqa: E402
from tests.models.loopback import LoopbackServer, Turn, call  # noqa: E402

TASK = REPO / "tests" / "fixtures" / "tasks" / "greet-workflow"
FIX = (TASK / "reference" / "greet.py").read_text()
FAILING = "python -c 'import dbos, greet; print(greet.shout)'"
PASSING = "python -c 'import dbos, greet; print(\"ok\", greet.shout(\"x\"))' | tee checked.txt"


def script(body: dict, turn: int) -> Turn:
    execs = any((t.get("name") or t.get("function", {}).get("name")) == "run_command" for t in body.get("tools", []))
    steps = [call("list_files")]
    steps += [call("run_command", command=FAILING)] if execs else []
    steps += [call("write_file", path="greet.py", content=FIX)]
    steps += [call("run_command", command=PASSING)] if execs else []
    steps += [call("finish", summary="done")]
    tokens = len(json.dumps(body)) // 4
    return Turn("", (steps[min(turn, len(steps) - 1)],), tokens, 60)


def model_for(server: LoopbackServer, tools: str, cache: ResponseCache) -> ApiModel:
    model_id = {"anthropic": "anthropic/bench-model", "openai": "openai/bench-model"}[server.protocol]
    params = {"base_url": server.url, "timeout_s": 10.0, **({"agent_tools": "exec"} if tools == "exec" else {})}
    settings = resolve_settings(model_id, overrides=params)
    client = AnthropicClient(settings) if server.protocol == "anthropic" else OpenAIClient(settings)
    return ApiModel(settings, client, cache, None, RetryPolicy(max_retries=0))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--protocol", choices=("anthropic", "openai"), default="anthropic")
    parser.add_argument("--trials", type=int, default=3, help="trials per tool set (epochs of one task)")
    args = parser.parse_args()
    os.environ.setdefault("ANTHROPIC_API_KEY", "sk-loopback-benchmark")
    os.environ.setdefault("OPENAI_API_KEY", "sk-loopback-benchmark")
    task = load_task(TASK)
    files = read_tree(task.app_dir)
    scratch = Path(tempfile.mkdtemp(prefix="bench-agent-tools-"))
    cache_dir = Path(os.environ.get("DBOS_EVAL_CACHE_DIR") or default_cache_dir())
    with GradingEnvironment.open("bwrap", cache_dir=cache_dir) as env, \
            LoopbackServer(args.protocol, script) as server:
        print(f"agent tools, {args.protocol} wire format, task {task.id}, {args.trials} trial(s) each; "
              f"generation only (grading is the same for both)\n")
        print(f"{'tools':6} {'pass':6} {'wall s/trial':>12} {'calls':>6} {'input tok':>10} {'output tok':>10} "
              f"{'commands':>9} {'command s':>10} {'API calls':>10} {'cmds run':>9}")
        events: dict[str, Counter] = {}
        for tools in ("files", "exec"):
            cache = ResponseCache(scratch / f"cache-{tools}")
            model = model_for(server, tools, cache)
            for rerun in (False, True):
                walls, usages, before = [], [], len(server.requests)
                for epoch in range(1, args.trials + 1):
                    request = GenerationRequest(task, Arm.NONE, None, system_prompt(Arm.NONE, None),
                                                user_prompt(task, files), files, epoch)
                    if tools == "exec":
                        request = replace(request, commands=CommandSandbox(env, task.grading, f"bench{epoch}"))
                    started = time.perf_counter()
                    generation = model.generate(request)
                    walls.append(time.perf_counter() - started)
                    assert generation.error is None, generation.error
                    usages.append(generation.usage)
                    if not rerun:
                        events[tools] = Counter(e.get("event") or e["role"] + (f":{e['name']}" if e.get("name")
                                                                                  else "")
                                                for e in generation.transcript)
                n = len(usages)
                ran = sum(u.commands - u.cached_commands for u in usages)
                print(f"{tools:6} {'rerun' if rerun else 'first':6} {statistics.mean(walls):12.3f} "
                      f"{sum(u.calls + u.cached_calls for u in usages) / n:6.1f} "
                      f"{sum(u.input_tokens for u in usages) / n:10.0f} "
                      f"{sum(u.output_tokens for u in usages) / n:10.0f} "
                      f"{sum(u.commands for u in usages) / n:9.1f} {sum(u.command_s for u in usages) / n:10.2f} "
                      f"{len(server.requests) - before:10d} {ran:9d}")
        with CommandSandbox(env, task.grading, "benchfloor").session() as session:
            started = time.perf_counter()
            session.run("true", files, 30)
            opened = time.perf_counter() - started
            started = time.perf_counter()
            floor = session.run("true", files, 30)
            again = time.perf_counter() - started
            dbos = session.run("python -c 'import dbos'", files, 60)
        print(f"\none command's overhead: the session's first `true` {opened:.2f} s (uid slot, scratch tmpfs, cloned "
              f"database, sandbox), a later `true` {again:.2f} s ({floor.duration_s:.2f} s inside bwrap), "
              f"`python -c 'import dbos'` {dbos.duration_s:.2f} s")
        print("\ntranscript entries per trial (first pass):")
        for tools, counts in events.items():
            print(f"  {tools}: " + ", ".join(f"{k} x{v}" for k, v in sorted(counts.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
