"""Paired uplift, per-arm rates and rule deltas on hand-made records."""

import math
import random

import pytest

from harness import analysis
from harness.records import TrialRecord
from tests.fixtures.synthetic import make_record


def records(outcomes: dict[tuple[str, str], list[bool]], infra: int = 0) -> list[TrialRecord]:
    """(task, arm) -> passes per epoch; ``infra`` extra infra errors on the first task's inline arm."""
    rng = random.Random(0)
    out = []
    for (task, arm), passes in outcomes.items():
        for epoch, passed in enumerate(passes, 1):
            out.append(make_record(task, "queue", "m", arm, None if arm == "none" else "skill", epoch, passed,
                                   rng=rng))
    first = next(iter(outcomes))[0]
    for i in range(infra):
        out.append(make_record(first, "queue", "m", "inline", "skill", 100 + i, False, rng=rng, status="infra_error"))
    return [TrialRecord.from_json(r) for r in out]


def frame(rows: list[dict]):
    """The analysis frame of records given in their trials.jsonl form."""
    return analysis.trials_frame(TrialRecord.from_json(r) for r in rows)


def test_uplift_is_paired_by_task_and_tested_with_the_sign_test():
    outcomes = {}
    for i in range(6):  # six tasks the skill fixes, two it does not change
        outcomes[(f"t{i}", "none")] = [False]
        outcomes[(f"t{i}", "inline")] = [True]
    for i in range(6, 8):
        outcomes[(f"t{i}", "none")] = [True]
        outcomes[(f"t{i}", "inline")] = [True]
    up = analysis.uplift(analysis.trials_frame(records(outcomes)))
    overall = up[up.category == "all"].iloc[0]
    result = overall.result
    assert overall.variant == "inline:skill"
    assert (result.improved, result.worsened, result.ties) == (6, 0, 2)
    assert result.difference.value == pytest.approx(6 / 8)
    assert result.p_value == pytest.approx(0.03125)
    assert result.baseline_rate == pytest.approx(2 / 8) and result.candidate_rate == 1.0


def test_epochs_are_averaged_per_task_before_pairing():
    outcomes = {("a", "none"): [True, False, False], ("a", "inline"): [True, True, True],
                ("b", "none"): [True, True, True], ("b", "inline"): [True, True, False]}
    result = analysis.paired(*(analysis.side(analysis.trials_frame(records(outcomes)), "m", v)
                               for v in ("none", "inline:skill")))
    diffs = dict(zip(result.tasks.task_id, result.tasks["diff"], strict=True))
    assert diffs == pytest.approx({"a": 2 / 3, "b": -1 / 3})
    assert result.difference.value == pytest.approx((2 / 3 - 1 / 3) / 2)
    assert (result.improved, result.worsened) == (1, 1) and result.p_value == 1.0


def test_infra_errors_never_enter_a_denominator():
    outcomes = {("a", "none"): [True], ("a", "inline"): [True], ("b", "none"): [False], ("b", "inline"): [True]}
    arms = analysis.arm_summary(analysis.trials_frame(records(outcomes, infra=3)))
    inline = arms[arms.variant == "inline:skill"].iloc[0]
    assert (inline.trials, inline.passed, inline.infra_errors) == (2, 2, 3)
    assert inline.rate.value == 1.0 and inline.method == "wilson"


def test_clustered_interval_and_pass_at_k_when_epochs_repeat():
    outcomes = {(f"t{i}", "none"): [True, False, i % 2 == 0] for i in range(4)}
    arms = analysis.arm_summary(analysis.trials_frame(records(outcomes)))
    row = arms.iloc[0]
    assert row.method == "bootstrap over tasks" and row.k == 3
    # per task 2/3 or 1/3 passes: pass@3 = 1 for every task; pass^3 = 0 for every task
    assert row.pass_at_k.value == 1.0 and row.pass_hat_k.value == 0.0
    assert row.rate.value == pytest.approx(6 / 12)


def test_rule_table_reports_rate_delta_and_per_task_direction():
    rng = random.Random(0)
    recs = []
    for i in range(6):
        none = make_record(f"t{i}", "queue", "m", "none", None, 1, False, rng=rng)
        none["violations"] = [{"rule": "queue-x", "severity": "warning", "path": "a.py", "line": 1, "message": ""}]
        skill = make_record(f"t{i}", "queue", "m", "inline", "skill", 1, True, rng=rng)
        skill["violations"] = []
        recs += [none, skill]
    rules = analysis.rule_table(frame(recs))
    row = rules[(rules.rule == "queue-x") & (rules.variant == "inline:skill")].iloc[0]
    assert row.rate == 0.0 and row.delta == -1.0 and (row.fewer, row.more) == (6, 0)
    assert row.p == pytest.approx(0.03125)


def with_violations(record: dict, n: int) -> dict:
    record["violations"] = [{"rule": "workflow-nondeterminism", "severity": "critical", "path": "app.py",
                             "line": i + 1, "message": ""} for i in range(n)]
    return record


def test_the_violation_rate_is_paired_by_task_and_a_rise_is_the_regression_verdict():
    from harness.report_format import MORE, violation_verdict

    rng = random.Random(0)
    recs = []
    for i in range(6):  # the skill arm passes as often, but violates a rule on every task
        recs.append(with_violations(make_record(f"t{i}", "queue", "m", "none", None, 1, True, rng=rng), 0))
        recs.append(with_violations(make_record(f"t{i}", "queue", "m", "inline", "skill", 1, True, rng=rng), 2))
    up = analysis.uplift(frame(recs))
    row = up[up.category == "all"].iloc[0]
    assert row.result.difference.value == 0 and row.result.p_value == 1.0
    v = row.violations
    assert (v.baseline_rate, v.candidate_rate, v.improved, v.worsened) == (0.0, 1.0, 6, 0)
    assert v.p_values["permutation"] == pytest.approx(2 / 64) and v.p_values["sign"] == pytest.approx(2 / 64)
    assert violation_verdict(v) == MORE


def test_the_score_is_paired_too_and_a_model_error_scores_zero():
    rng = random.Random(0)
    none = make_record("a", "queue", "m", "none", None, 1, False, rng=rng)
    none.update(status="model_error", score=None)
    skill = make_record("a", "queue", "m", "inline", "skill", 1, True, rng=rng)
    skill["score"] = 0.9
    result = analysis.paired(*(analysis.side(frame([none, skill]), "m", v)
                               for v in ("none", "inline:skill")), outcome="score")
    assert result.difference.value == pytest.approx(0.9) and math.isnan(result.tasks.p[0])


def test_the_deciding_test_is_chosen_and_every_test_is_kept():
    outcomes = {}
    for i in range(6):  # six tasks lose everything (3/3 -> 0/3); one gains a third (2/3 -> 3/3)
        outcomes[(f"t{i}", "none")], outcomes[(f"t{i}", "inline")] = [True] * 3, [False] * 3
    outcomes[("t6", "none")], outcomes[("t6", "inline")] = [True, True, False], [True] * 3
    df = analysis.trials_frame(records(outcomes))
    sides = [analysis.side(df, "m", v) for v in ("none", "inline:skill")]
    perm = analysis.paired(*sides)
    sign = analysis.paired(*sides, test="sign")
    assert perm.test == "permutation" and perm.p_value == pytest.approx(4 / 128)  # sizes: significant
    assert sign.p_value == pytest.approx(16 / 128) and sign.p_values == perm.p_values  # directions: not
    with pytest.raises(ValueError, match="unknown test"):
        analysis.paired(*sides, test="t")


def test_power_is_stated_per_arm_from_its_own_tasks():
    outcomes = {(f"t{i}", arm): [True] for i in range(12) for arm in ("none", "inline")}
    power = analysis.power_table(analysis.trials_frame(records(outcomes)))
    assert len(power) == 2
    p = power.iloc[0].power
    assert (p.tasks, p.epochs) == (12, 1) and set(p.mde) == {"permutation", "sign"}
    assert 0.3 < p.mde["permutation"] <= 0.75  # 12 tasks at (1 + 1/2) / 2 = 75%: only a big drop shows
    # 8 such tasks cannot: even a drop to 0% leaves 6 of 8 failing (needed for p < 0.05) only 68% of the time
    assert math.isnan(analysis.power_for([1] * 8, [1] * 8).mde["permutation"])
    assert p.sentence().startswith("this run could detect a drop of ≥ ")
    few = analysis.power_for([1, 1], [1, 1])
    assert math.isnan(few.mde["permutation"]) and few.sentence().startswith("no drop is detectable")
