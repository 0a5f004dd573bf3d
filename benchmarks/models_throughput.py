"""Figures for the real-model layer, measured against a loopback server that adds a fixed latency per call.

    python benchmarks/models_throughput.py                       # anthropic wire format, 100 trials, 16 at once
    python benchmarks/models_throughput.py --protocol openai
    python benchmarks/models_throughput.py --trials 100 --concurrency 16 --latency 1.0 --turns 3

What runs: the harness's own generation stage — one ``generate_workflow`` per trial on the DBOS ``generation``
queue (worker concurrency = --concurrency), each driving the real SDK through the agent loop (``--turns`` model
calls per trial: write_file, replace_in_file, finish) against ``tests/models/loopback.py`` on 127.0.0.1. Grading
is not part of it (it is CPU-bound and measured by foundation_timings.py). Three figures:

1. wall time of N trials vs the ideal: ``ceil(N / C) * turns * latency`` (identical trials in C slots; the
   fluid bound ``N * turns * latency / C`` is printed too);
2. the cache hit rate of a rerun of the same configuration (new workflow ids, same cache): API calls made,
   responses served from the cache;
3. cost accounting: the sum of every trial's ``usage.cost_usd`` vs the scripted token counts times the price.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from dbos import DBOS, SetWorkflowID  # noqa: E402

from harness import orchestrator, runs  # noqa: E402
from harness.jobs import CacheSpec, TrialJob  # noqa: E402
from harness.models.agent import ApiModel  # noqa: E402
from harness.models.anthropic_model import AnthropicClient  # noqa: E402
from harness.models.cache import ResponseCache  # noqa: E402
from harness.models.chat import TokenCount  # noqa: E402
from harness.models.openai_model import OpenAIClient  # noqa: E402
from harness.models.pricing import load_prices  # noqa: E402
from harness.models.settings import resolve_settings  # noqa: E402
from harness.results import RunDir  # noqa: E402
from harness.tasks import load_task  # noqa: E402
from harness.trials import Trial, task_hash  # noqa: E402
from tests.models.loopback import LoopbackServer, Turn, call  # noqa: E402

MODELS = {"anthropic": "anthropic/claude-sonnet-4-6", "openai": "openai/gpt-5.2"}
NEW = 'from dbos import DBOS\n\n\n@DBOS.workflow()\ndef greet(name: str) -> str:\n    return "hello " + name\n'
SCRIPT = [Turn("", (call("write_file", path="greet.py", content=NEW),), 1234, 321, cache_write=1000),
          Turn("", (call("replace_in_file", path="greet.py", old_text='"hello "', new_text="'hello '"),), 150, 77,
               cache_read=1000),
          Turn("Done.", (call("finish", summary="done"),), 99, 12, cache_read=1100)]


def run_pass(label: str, trials: list[Trial], tag: str) -> tuple[float, list[dict]]:
    """Enqueue every trial's generation and wait until all are done, polling the workflow table every 0.05 s like
    the orchestrator's run loop does (``handle.get_result()`` polls once a second and would blur the figure)."""
    started = time.perf_counter()
    for trial in trials:
        job = TrialJob("bench", DBOS.executor_id, f"{tag}:{trial.key}", trial, CacheSpec("unused"))
        with SetWorkflowID(job.workflow_id):
            DBOS.enqueue_workflow(orchestrator.GENERATION_QUEUE, orchestrator.generate_workflow, job.to_json())
    while True:
        rows = DBOS.list_workflows(workflow_id_prefix=f"{tag}:", load_input=False, load_output=False)
        if sum(1 for w in rows if w.status not in ("PENDING", "ENQUEUED")) == len(trials):
            break
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    rows = DBOS.list_workflows(workflow_id_prefix=f"{tag}:", load_input=False, load_output=True)
    results = [w.output for w in rows]
    errors = [r["error"] for r in results if r.get("error")]
    print(f"{label}: {len(results)} trials in {elapsed:.2f} s; errors: {len(errors)} {errors[:2]}")
    return elapsed, results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--protocol", choices=tuple(MODELS), default="anthropic")
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds the server adds to every call")
    parser.add_argument("--turns", type=int, choices=(1, 2, 3), default=3, help="model calls per trial")
    args = parser.parse_args()
    os.environ.setdefault("ANTHROPIC_API_KEY", "loopback-key")
    os.environ.setdefault("OPENAI_API_KEY", "loopback-key")
    script = SCRIPT[-args.turns:] if args.turns < 3 else SCRIPT
    if args.turns == 1:
        script = [Turn("", (call("write_file", path="greet.py", content=NEW), call("finish")), 1234, 321)]
    task = load_task(REPO / "tests" / "fixtures" / "tasks" / "greet-workflow")
    model_id = MODELS[args.protocol]
    trials = [Trial(task.id, task.category, model_id, "none", None, None, epoch, task_hash(task), "bench")
              for epoch in range(1, args.trials + 1)]
    price = load_prices().lookup(model_id)
    with tempfile.TemporaryDirectory() as tmp, LoopbackServer(args.protocol, script, args.latency) as server:
        settings = resolve_settings(model_id, overrides={"base_url": server.url, "timeout_s": 30.0})
        client = AnthropicClient(settings) if args.protocol == "anthropic" else OpenAIClient(settings)
        model = ApiModel(settings, client, ResponseCache(Path(tmp) / "cache"), price)
        steps = orchestrator.StepContext({task.id: task}, {}, None, Path(tmp), Path(tmp) / "worker", {model_id: model})
        orchestrator.launch(steps, runs.system_db_url(RunDir(Path(tmp), "bench")), 2, args.concurrency)
        try:
            print(f"{args.trials} trials x {len(script)} calls, {args.latency} s per call, generation concurrency "
                  f"{args.concurrency}, {args.protocol} wire format through the real SDK")
            wall, first = run_pass("first run", trials, "first")
            calls_first = len(server.requests)
            _, second = run_pass("rerun (same configuration)", trials, "rerun")
            calls_rerun = len(server.requests) - calls_first
        finally:
            orchestrator.shutdown()
    ideal = math.ceil(args.trials / args.concurrency) * len(script) * args.latency
    fluid = args.trials * len(script) * args.latency / args.concurrency
    print(f"\n1. wall time {wall:.2f} s; ideal {ideal:.2f} s (ceil(N/C) x calls x latency) -> "
          f"{wall / ideal:.3f} x ideal (fluid bound {fluid:.2f} s -> {wall / fluid:.3f} x)")
    served = sum(r["usage"]["cached_calls"] for r in second)
    made = sum(r["usage"]["calls"] for r in second)
    print(f"2. rerun: {calls_rerun} API calls reached the server, {made} counted; {served} responses from the cache "
          f"-> cache hit rate {served / max(served + made, 1):.0%}")
    scripted = TokenCount()
    for turn in script:
        scripted = scripted + TokenCount(turn.input_tokens, turn.output_tokens, turn.cache_read, turn.cache_write)
    expected = price.cost(scripted) * args.trials
    accounted = sum(r["usage"]["cost_usd"] for r in first)
    tokens = {k: sum(r["usage"][k] for r in first) for k in ("input_tokens", "output_tokens", "cache_read_tokens",
                                                            "cache_write_tokens")}
    exact = tokens == {"input_tokens": scripted.input * args.trials, "output_tokens": scripted.output * args.trials,
                       "cache_read_tokens": scripted.cache_read * args.trials,
                       "cache_write_tokens": scripted.cache_write * args.trials}
    print(f"3. cost: accounted ${accounted:.6f} vs scripted ${expected:.6f} "
          f"(difference {abs(accounted - expected):.1e}); "
          f"token counts {'match exactly' if exact else 'DIFFER'}: {tokens}; first-run API calls {calls_first}")
    return 0 if exact and calls_rerun == 0 and abs(accounted - expected) < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
