"""Model API faults through the whole CLI path (the anthropic SDK against a loopback server): 429s and 500s
beyond the retry budget and calls that time out end as infra errors (reason ``model_api_error``, never a model
failure) without stopping the other trials; a 429 within the budget is a retried success; rerunning the same
run id retries exactly the infra errors and leaves the rest alone."""

from __future__ import annotations

import pytest

from harness.results import RunDir
from tests.cli_support import API_KEY, ScriptedModel, TargetedFaults, greet_tasks, model_args, start_cli
from tests.models.loopback import Fault, LoopbackServer

pytestmark = pytest.mark.slow


@pytest.fixture()
def needs_grading(pg_server, bwrap_available, runtime):
    """Postgres binaries, bubblewrap and the runtime must exist (the CLI starts its own cluster)."""


def test_api_faults_become_infra_errors_that_a_rerun_retries(tmp_path, needs_grading):
    tasks = greet_tasks(tmp_path / "tasks", ["rate-limited", "server-error", "timing-out", "one-429", "healthy"])
    results, log = tmp_path / "results", tmp_path / "run.log"
    run = RunDir(results, "f")
    model = ScriptedModel()
    with LoopbackServer("anthropic", model) as server:
        args = ["run", "--run-id", "f", *model_args(server.url), "--param", "timeout_s=1.5"]  # max_retries=1
        server.faults = TargetedFaults(server, {
            "rate-limited": [Fault(429, {"retry-after": "0"})] * 2, "server-error": [Fault(500)] * 2,
            "one-429": [Fault(429, {"retry-after": "0"})]})
        model.stall = {"timing-out": 4.0}
        first = start_cli(*args, results=results, tasks=tasks, log=log, env={"ANTHROPIC_API_KEY": API_KEY})
        assert first.wait(timeout=600) == 1, log.read_text()[-3000:]
        out = log.read_text()
        assert "infra error" in out and "rerun them with: python run_eval.py run --run-id f" in out
        by_task = {r.task_id: r for r in run.records()}
        for task, needle in (("rate-limited", "HTTP 429"), ("server-error", "HTTP 500"), ("timing-out", "Timeout")):
            record = by_task[task]
            assert (record.status, record.reason) == ("infra_error", "model_api_error"), record
            assert needle in record.detail and "gave up after 2 attempts" in record.detail, record.detail
        assert by_task["one-429"].passed and by_task["one-429"].usage["retries"] == 1
        assert by_task["healthy"].passed
        kept = {t: by_task[t].workflow_id for t in ("one-429", "healthy")}

        model.stall = {}  # the API is back
        second = start_cli(*args, results=results, tasks=tasks, log=log, env={"ANTHROPIC_API_KEY": API_KEY})
        assert second.wait(timeout=600) == 0, log.read_text()[-3000:]
    final = {r.task_id: r for r in run.records()}
    assert len(run.records()) == 5 and all(r.passed for r in final.values())
    assert {t: final[t].workflow_id for t in kept} == kept, "a finished trial was run again"
    assert all(final[t].workflow_id.endswith(":r1") for t in ("rate-limited", "server-error", "timing-out"))
    for task in ("one-429", "healthy"):
        steps = (run.trial_dir(final[task].trial_id) / "steps.log").read_text().splitlines()
        assert len([s for s in steps if s.endswith(" generate")]) == 1, steps
