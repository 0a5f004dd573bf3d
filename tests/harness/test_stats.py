"""Every statistic against a case computed by hand."""

import math

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
