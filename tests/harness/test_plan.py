"""``plan``: trial count, cost from prices and earlier runs' tokens, and the power of the planned run."""

import json
import math
import shutil

import pytest

from harness import plan, stats
from harness.cli import main
from harness.models.chat import TokenCount
from harness.models.pricing import load_prices
from harness.records import TrialRecord
from tests.conftest import FIXTURE_TASKS
from tests.fixtures.synthetic import base_outcome, synthesize, write_tasks

SONNET = "anthropic/claude-sonnet-4-6"


def test_plan_prints_trials_cost_and_what_it_could_detect(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)  # a plan calls nothing: no key needed
    code = main(["plan", "--models", f"{SONNET},reference", "--arms", "none,inline", "--epochs", "3",
                 "--tasks-dir", str(FIXTURE_TASKS), "--results-dir", str(tmp_path), "--tasks", "greet-workflow"])
    out = capsys.readouterr().out
    assert code == 0, out
    # sonnet: none + inline; reference: none only -> 3 variants x 1 task x 3 epochs
    assert "1 task(s) x 2 model(s) x arms none, inline x 3 epoch(s) = 9 trials" in out
    assert "0 trial(s) priced from earlier runs' tokens, 9 from the prior guess" in out
    # the fixture task has calibration.toml: 3 of 4 attempts passed (its rate is shrunk toward the median)
    assert "per-task rates: 1 from calibration.toml" in out
    assert "none detectable (permutation test; sign test: none detectable): add tasks" in out  # one task


def copies_of_a_task(root, n):
    """``n`` valid tasks (copies of the fixture task under other ids)."""
    for i in range(n):
        dest = root / f"greet-{i:02d}"
        shutil.copytree(FIXTURE_TASKS / "greet-workflow", dest)
        (dest / "calibration.toml").unlink(missing_ok=True)  # no calibration: rates spread evenly over 0-100%
        toml = dest / "task.toml"
        toml.write_text(toml.read_text().replace('id = "greet-workflow"', f'id = "greet-{i:02d}"'))
    return root


def test_plan_answers_what_a_requested_drop_needs(tmp_path, capsys):
    tasks = copies_of_a_task(tmp_path / "tasks", 25)
    code = main(["plan", "--models", "reference", "--epochs", "3", "--mde", "15", "--tasks-dir", str(tasks),
                 "--results-dir", str(tmp_path / "results")])
    out = capsys.readouterr().out
    assert code == 0, out
    mde = stats.min_detectable_drop(stats.spread_rates(25), 3, seed=plan.SEED, replicates=300,
                                    resamples=1000)
    assert "[bold]" not in out and f"{mde * 100:.0f} points (permutation test; sign test:" in out
    epochs = plan.epochs_needed(stats.spread_rates(25), 0.15, "permutation", 0.05)
    n = plan.tasks_needed(stats.spread_rates(25), 3, 0.15, "permutation", 0.05)
    assert epochs and 3 < epochs <= 20 and n and 25 < n < 200  # more than 25 tasks x 3 epochs give today
    assert f"with these 25 task(s): {epochs} epoch(s)" in out and f"at 3 epoch(s): {n} tasks like these" in out
    assert not plan.detects(stats.resize_rates(stats.spread_rates(25), n - 1), 3, 0.15, "permutation", 0.05)


@pytest.mark.parametrize(("argv", "message"), [
    (["--epochs", "0"], "--epochs 0: must be at least 1"),
    (["--mde", "0"], "--mde 0: must be between 0 and 100"),
    (["--arms", "none,sometimes"], "--arms sometimes: unknown arm"),
    (["--models", "gpt"], "--model gpt: unknown model"),
    (["--models", SONNET, "--agent-tools", "shell"], "--agent-tools shell: use files or exec"),
    (["--models", SONNET, "--mode", "single-shot", "--agent-tools", "exec"], "--agent-tools exec: "
     f"{SONNET} runs in --mode single-shot"),
])
def test_bad_plan_input_is_one_line(argv, message, capsys, tmp_path):
    assert main(["plan", "--tasks-dir", str(FIXTURE_TASKS), "--results-dir", str(tmp_path), *argv]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_cost_comes_from_earlier_tokens_of_the_same_model_arm_and_task():
    prices = load_prices()
    price = prices.lookup(SONNET)
    trial = type("T", (), {"model": SONNET, "arm": "inline", "task_id": "a", "key": "k1"})()
    other = type("T", (), {"model": SONNET, "arm": "inline", "task_id": "b", "key": "k2"})()
    new = type("T", (), {"model": SONNET, "arm": "tool", "task_id": "a", "key": "k3"})()
    usage = {"input_tokens": 10_000, "output_tokens": 2_000, "cache_read_tokens": 0, "cache_write_tokens": 0}
    records = [TrialRecord.from_json({"trial_id": t, "key": t, "model": SONNET, "arm": "inline", "task_id": t,
                                      "status": "ok", "usage": u})
               for t, u in (("a", usage), ("c", {**usage, "input_tokens": 30_000}))]
    cost = plan.estimate_cost([trial, other, new], {"k1": 9.0, "k2": 9.0, "k3": 0.5}, records, prices)
    exact = price.cost(TokenCount(input=10_000, output=2_000))
    mean_any_task = (price.cost(TokenCount(input=10_000, output=2_000))
                     + price.cost(TokenCount(input=30_000, output=2_000))) / 2
    assert (cost.observed, cost.guessed) == (2, 1)
    assert cost.usd == pytest.approx(exact + mean_any_task + 0.5)
    assert plan.estimate_cost([trial], {"k1": None}, [], prices).usd is None  # unpriced and never seen


def test_rates_come_from_earlier_runs_then_calibration_then_the_median(tmp_path):
    results = tmp_path / "results"
    synthesize(results / "runs", "old", base_outcome, epochs=3, seed=1)
    records = plan.earlier_records(results)
    tasks = write_tasks(tmp_path / "tasks", [("queue-a", "queue"), ("new-one", "queue"), ("calibrated", "queue")])
    (tasks / "calibrated" / "calibration.toml").write_text(
        '[[attempt]]\nsolver = "a"\narm = "inline"\npassed = false\n[[attempt]]\nsolver = "b"\narm = "inline"\n'
        'passed = false\n[[attempt]]\nsolver = "c"\narm = "none"\npassed = true\n')
    rates = plan.task_rates(["queue-a", "calibrated", "new-one"], ["none", "inline"], records, tasks, ["fake-model"])
    # queue-a under inline: 3/3 in the fixture -> (3 + 1/2) / 4; calibrated: 0/2 under inline -> (0 + 1/2) / 3
    assert rates.rates[0] == pytest.approx(0.875) and rates.rates[1] == pytest.approx(1 / 6)
    assert rates.rates[2] == pytest.approx((0.875 + 1 / 6) / 2)  # no evidence: the median of the others
    assert "1 task(s) from earlier runs, 1 from calibration.toml, 1 without evidence" in rates.source
    assert json.dumps(rates.rates) and not any(math.isnan(r) for r in rates.rates)


def planned_prior(tmp_path, model: str, agent_tools: str = "files") -> float:
    """The prior estimate ``plan`` (and ``run``'s --max-cost/--dry-run) gives the fixture task's ``none`` trial."""
    from harness.budget import prior_estimates
    from harness.executor import load_skills
    from harness.tasks import load_tasks
    from harness.trials import expand

    config = plan.build_plan_config(models=[model], arms=["none"], skills=None, tasks="greet-workflow", epochs=1,
                                    mode="agent", results_dir=str(tmp_path), tasks_dir=str(FIXTURE_TASKS),
                                    agent_tools=agent_tools)
    tasks = load_tasks(config.tasks_dir, config.task_patterns)
    skills = load_skills(config.skills)
    trials = expand(tasks, config.models, config.arms, skills, 1,
                    {m: s.fingerprint() for m, s in config.model_settings.items()})
    priors = prior_estimates(trials, {t.id: t for t in tasks}, {s.hash: s for s in skills}, config.model_settings,
                             load_prices())
    (value,) = priors.values()
    assert value is not None
    return value


def test_the_prior_counts_what_exec_and_claude_code_add_to_every_call(tmp_path):
    from harness.budget import CLAUDE_CODE_OVERHEAD_CHARS, EXEC_OVERHEAD_CHARS
    from harness.models.pricing import CHARS_PER_TOKEN

    price = load_prices().lookup(SONNET)
    files, exec_ = planned_prior(tmp_path, SONNET), planned_prior(tmp_path, SONNET, "exec")
    claude_code = planned_prior(tmp_path, "claude-code/claude-sonnet-4-6")
    turns = 8  # pricing.estimate_trial_tokens: the prior resends the prompt on each of 8 turns

    def per_turn(chars: int) -> float:
        return price.cost(TokenCount(input=chars // CHARS_PER_TOKEN * turns))

    # exec: run_command's definition and a capped command output on every call
    assert exec_ - files >= per_turn(EXEC_OVERHEAD_CHARS)
    # claude-code: its own ~54k-character system prompt and tools instead of ours (a few thousand characters)
    assert claude_code - files >= per_turn(CLAUDE_CODE_OVERHEAD_CHARS - 10_000)


def test_plan_takes_agent_tools_and_prices_them(tmp_path, capsys):
    def estimate(*extra: str) -> float:
        assert main(["plan", "--models", SONNET, "--arms", "none", "--tasks-dir", str(FIXTURE_TASKS),
                     "--results-dir", str(tmp_path), "--tasks", "greet-workflow", *extra]) == 0
        out = capsys.readouterr().out
        return float(out.split("Estimated cost: $")[1].split()[0])

    assert estimate("--agent-tools", "exec") > estimate("--agent-tools", "files") == estimate()
