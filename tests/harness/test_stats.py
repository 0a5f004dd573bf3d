"""Every statistic against a case computed by hand."""

import math

import numpy as np
import pytest

from harness import stats


def test_wilson_matches_the_textbook_interval():
    # 8/10, z = 1.95996: centre (0.8 + z²/20) / (1 + z²/10) = 0.71674, half-width 0.22658
    est = stats.wilson(8, 10)
    assert est.value == 0.8 and est.n == 10
    assert est.lo == pytest.approx(0.4902, abs=1e-4) and est.hi == pytest.approx(0.9433, abs=1e-4)
    # 0/10: the upper bound is z² / (n + z²) = 3.8415 / 13.8415
    none = stats.wilson(0, 10)
    assert none.lo == 0.0 and none.hi == pytest.approx(0.2775, abs=1e-4)
    assert str(stats.wilson(0, 0)) == "n/a"


def test_sign_test_is_the_exact_binomial_two_sided_p():
    assert stats.sign_test(6, 0) == pytest.approx(0.03125)  # 2 * 0.5**6
    assert stats.sign_test(0, 6) == pytest.approx(0.03125)
    assert stats.sign_test(5, 0) == pytest.approx(0.0625)  # 2 * 0.5**5: five tasks can never be significant
    assert stats.sign_test(7, 2) == pytest.approx(92 / 512)  # 2 * (C(9,0) + C(9,1) + C(9,2)) / 2**9
    assert stats.sign_test(0, 0) == 1.0


def test_fisher_exact_for_one_task_across_two_sides():
    assert stats.fisher_exact(3, 3, 0, 3) == pytest.approx(0.1)  # 2 / C(6,3)
    assert stats.fisher_exact(2, 3, 2, 3) == pytest.approx(1.0)


def test_bootstrap_mean_with_a_fixed_seed_is_reproducible_and_matches_the_enumerated_distribution():
    # [0, 0, 1]: resampled means are k/3 with k ~ Binomial(3, 1/3): P(0) = 8/27 > 2.5%, P(3) = 1/27 > 2.5%,
    # so the 95% percentile interval is [0, 1] around 1/3.
    est = stats.bootstrap_mean([0, 0, 1], seed=7, resamples=20_000)
    assert est.value == pytest.approx(1 / 3) and (est.lo, est.hi) == (0.0, 1.0) and est.n == 3
    again = stats.bootstrap_mean([0.1, 0.5, 0.2, 0.9, 0.4], seed=7)
    assert again == stats.bootstrap_mean([0.1, 0.5, 0.2, 0.9, 0.4], seed=7)
    assert again != stats.bootstrap_mean([0.1, 0.5, 0.2, 0.9, 0.4], seed=8)
    constant = stats.bootstrap_mean([0.5] * 6, seed=0)
    assert (constant.value, constant.lo, constant.hi) == (0.5, 0.5, 0.5)


def test_bootstrap_of_one_cluster_has_no_interval():
    est = stats.bootstrap_mean([0.25], seed=0)
    assert est.value == 0.25 and math.isnan(est.lo) and str(est) == "25%"
    assert stats.bootstrap_mean([], seed=0).n == 0


def test_clustered_rate_resamples_tasks_not_trials():
    # two tasks of 3 epochs, 3/3 and 0/3: resampling tasks gives 100%, 50% or 0% -> interval [0, 1];
    # Wilson on the 6 trials as if independent would claim [19%, 81%].
    est = stats.clustered_rate([3, 0], [3, 3], seed=1, resamples=20_000)
    assert est.value == 0.5 and (est.lo, est.hi) == (0.0, 1.0) and est.n == 6
    assert stats.wilson(3, 6).lo > 0.15


def test_pass_at_k_and_pass_hat_k():
    assert stats.pass_at_k(3, 1, 2) == pytest.approx(2 / 3)  # 1 - C(2,2)/C(3,2)
    assert stats.pass_at_k(3, 0, 2) == 0.0 and stats.pass_at_k(3, 3, 1) == 1.0
    assert stats.pass_hat_k(3, 2, 2) == pytest.approx(1 / 3)  # C(2,2)/C(3,2)
    assert stats.pass_hat_k(3, 1, 2) == 0.0 and stats.pass_hat_k(5, 5, 3) == 1.0
    with pytest.raises(ValueError):
        stats.pass_at_k(2, 1, 3)


def test_permutation_test_enumerates_sign_flips_of_the_differences():
    assert stats.permutation_test([1] * 6) == pytest.approx(2 / 64)  # only all-minus and all-plus reach |6|
    # [0.5, 1, -0.5]: sums over the 8 sign patterns are +-2, +-1 (twice each), +-0 (twice): |sum| >= 1 in 6 of 8
    assert stats.permutation_test([0.5, 1, -0.5]) == pytest.approx(6 / 8)
    assert stats.permutation_test([0, 0, 1, 1, 1, 1, 1, 1]) == pytest.approx(2 / 64)  # ties flip to themselves
    assert stats.permutation_test([]) == 1.0 and stats.permutation_test([0, 0]) == 1.0
    # sizes count: six tasks lose everything, one gains a third; the sign test sees only 6 against 1
    diffs = [-1] * 6 + [1 / 3]
    assert stats.permutation_test(diffs) == pytest.approx(4 / 128)  # all six -1 on one side, the 1/3 either way
    assert stats.paired_test("sign", diffs) == pytest.approx(stats.sign_test(1, 6)) == pytest.approx(16 / 128)


def test_permutation_test_beyond_the_exact_limit_is_seeded_monte_carlo_and_never_zero():
    twenty = [1.0] * 20  # 2 of 2**20 patterns reach |20|: with 10,000 random ones the p-value is (1 + hits) / 10,001
    p = stats.permutation_test(twenty, seed=3)
    assert 1 / 10_001 <= p < 0.001 and p == stats.permutation_test(twenty, seed=3)
    mixed = [0.5, -0.2, 0.3, 0.9, -0.1, 0.4, 0.2, 0.6, -0.3, 0.7, 0.1, 0.8, 0.3, -0.4, 0.5, 0.2]
    assert stats.permutation_test(mixed, seed=1) == pytest.approx(stats.permutation_test(mixed, seed=2), abs=0.01)


def test_wilcoxon_signed_rank_by_flips_of_midranks():
    assert stats.wilcoxon_test([1, 2, 3, 4, 5]) == pytest.approx(2 / 32)  # the exact tabled value
    assert stats.wilcoxon_test([0, 3, 1, 2]) == pytest.approx(2 / 8)  # the zero is dropped, ranks 1..3 all plus
    # [1, 2, 2, -3]: midranks 1, 2.5, 2.5, -4 (sum 2). The 2.5s give +5, 0, 0, -5 and the others +-1 +-4 give
    # 5, 3, -3, -5: with 0 all 4 reach |2| (twice), with +5 three do (10, 8, 2; not 0), with -5 three: 14 of 16
    assert stats.wilcoxon_test([1, 2, 2, -3]) == pytest.approx(14 / 16)
    ranks = stats.signed_ranks(np.array([[0.0, -0.5, 0.5, 1.0]]))
    assert ranks.tolist() == [[0.0, -1.5, 1.5, 3.0]]


def test_vectorised_p_values_match_the_scalar_tests_row_by_row():
    rng = np.random.default_rng(5)
    rows = rng.choice([-1.0, -2 / 3, -1 / 3, 0.0, 1 / 3, 2 / 3, 1.0], size=(30, 9))
    for test in stats.TESTS:
        many = stats.paired_pvalues(test, rows, seed=0)
        assert many == pytest.approx([stats.paired_test(test, list(r)) for r in rows]), test
    with pytest.raises(ValueError, match="unknown test"):
        stats.paired_test("t-test", [1.0])


def test_power_hand_cases_and_the_minimum_detectable_drop():
    assert stats.shrunk_rates([3, 0], [3, 1]).tolist() == [0.875, 0.25]  # (3 + 1/2) / 4, (0 + 1/2) / 2
    rates = np.array([0.2, 0.5, 0.8])
    assert (stats.dropped_rates(rates, 0.1) - rates).mean() == pytest.approx(-0.1)
    # six tasks that always pass, dropped to never: every simulated comparison is 6 losses, p = 2/64 < 0.05
    assert stats.power([1.0] * 6, 1, 1.0) == 1.0 and stats.min_detectable_drop([1.0] * 6, 1) <= 1.0
    # five such tasks can never reach p < 0.05 (best case 2/32): no detectable drop at all
    assert stats.power([1.0] * 5, 1, 1.0) == 0.0 and math.isnan(stats.min_detectable_drop([1.0] * 5, 1))
    spread = stats.spread_rates(25)
    assert spread[0] == pytest.approx(0.02) and spread.mean() == pytest.approx(0.5)
    small = stats.power(spread, 5, 0.05, seed=1)
    big = stats.power(spread, 5, 0.25, seed=1)
    assert small < big and big > 0.8
    perm = stats.min_detectable_drop(spread, 5, seed=1)
    sign = stats.min_detectable_drop(spread, 5, test="sign", seed=1)
    assert 0.12 <= perm <= sign <= 0.26  # the issue measured about 19 points for the sign test here


def test_false_alarm_rate_stays_at_or_below_alpha():
    for test in stats.TESTS:
        assert stats.false_alarm_rate(stats.spread_rates(25), 3, test=test, replicates=600, seed=2) <= 0.05 + 0.015


def test_false_alarms_of_deterministic_tasks_and_resized_benchmarks():
    assert stats.false_alarm_rate([1.0] * 10 + [0.0] * 10, 3) == 0.0  # nothing varies: nothing to mistake
    # quantiles at 1/8, 3/8, 5/8, 7/8 of [0, 1], interpolated linearly
    assert stats.resize_rates([1.0, 0.0], 4).tolist() == pytest.approx([0.125, 0.375, 0.625, 0.875])
    assert stats.resize_rates([], 2).tolist() == pytest.approx([0.25, 0.75])  # no evidence: spread
