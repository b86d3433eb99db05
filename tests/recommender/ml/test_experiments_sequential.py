import math

import numpy as np
import pytest

from recommender.ml.experiments.sequential import (
    ab_decision,
    interleaving_decision,
    rate_interval,
)

# ------------------------------------------------------------------------------------ A/B


def test_ab_p_value_is_the_inverse_of_the_normal_mixture_ratio():
    # 10 % against 15 % over 1,000 trials each; pooled rate 0.125, standardised tau 0.1.
    variance, scale, tau = 0.125 * 0.875, 2 / 1000, 0.1
    z_squared = 0.05**2 / (variance * scale)
    log_ratio = 0.5 * math.log(scale / (scale + tau**2)) + tau**2 * z_squared / (
        2 * (scale + tau**2)
    )

    decision = ab_decision([100, 150], [1000, 1000], tau=tau)

    assert decision.p_value == pytest.approx(math.exp(-log_ratio), rel=1e-9)
    assert decision.p_value == pytest.approx(0.02094, abs=1e-5)
    assert decision.state == "better"
    assert decision.winner == decision.leader == 1
    assert decision.estimates == (0.1, 0.15)
    assert decision.effect == pytest.approx(0.05)
    assert decision.interval[0] < 0.05 < decision.interval[1]


def test_ab_the_same_difference_on_fewer_trials_is_not_enough():
    decision = ab_decision([20, 30], [200, 200])

    assert decision.state == "insufficient"
    assert decision.winner is None
    assert decision.p_value > 0.05


def test_ab_below_the_minimum_trials_nothing_is_decided():
    decision = ab_decision([5, 50], [50, 50])

    assert decision.state == "insufficient"
    assert decision.p_value == 1.0
    assert decision.leader == 1


def test_ab_equal_rates_on_many_trials_is_no_difference_within_the_margin():
    decision = ab_decision([20_000, 20_000], [100_000, 100_000])

    assert decision.state == "no_difference"
    assert decision.margin == pytest.approx(0.02)
    assert -0.02 < decision.interval[0] < 0 < decision.interval[1] < 0.02


def test_ab_count_outcomes_use_their_measured_variance():
    # 0.3 clicks per impression; sum of squares 0.6 per impression: variance 0.51, not 0.21.
    as_counts = ab_decision([300, 360], [1000, 1000], sum_squares=[600, 720])
    as_rates = ab_decision([300, 360], [1000, 1000])

    assert as_counts.p_value > as_rates.p_value
    with pytest.raises(ValueError):
        ab_decision([1300, 1000], [1000, 1000])


def test_ab_three_arms_need_one_arm_that_beats_every_other():
    clear = ab_decision([100, 100, 200], [1000, 1000, 1000])
    tied_leaders = ab_decision([100, 200, 200], [1000, 1000, 1000])

    assert clear.state == "better"
    assert clear.winner == 2
    assert tied_leaders.state == "insufficient"
    assert tied_leaders.winner is None
    assert tied_leaders.p_value < 0.05


@pytest.mark.parametrize(
    "successes, trials, alpha",
    [([1], [10], 0.05), ([1, 2], [10], 0.05), ([-1, 2], [10, 10], 0.05), ([1, 2], [10, 10], 1)],
)
def test_ab_bad_input_is_an_error(successes, trials, alpha):
    with pytest.raises(ValueError):
        ab_decision(successes, trials, alpha=alpha)


def test_ab_a_a_experiments_looked_at_50_times_rarely_find_a_winner():
    rng = np.random.default_rng(7)
    looks, per_look, experiments = 50, 100, 300
    false_winners = 0
    for _ in range(experiments):
        clicks = rng.binomial(per_look, 0.2, size=(looks, 2)).cumsum(axis=0)
        trials = per_look * np.arange(1, looks + 1)
        false_winners += any(
            ab_decision(clicks[look], [trials[look]] * 2).state == "better" for look in range(looks)
        )

    assert false_winners / experiments <= 0.05


# ------------------------------------------------------------------------------ interleaving


def test_interleaving_p_value_is_the_exact_beta_mixture():
    a = (1 / (4 * 0.1**2) - 1) / 2  # Beta(12, 12)
    log_beta = lambda x, y: math.lgamma(x) + math.lgamma(y) - math.lgamma(x + y)  # noqa: E731
    ratio = 2**10 * math.exp(log_beta(a + 10, a) - log_beta(a, a))

    decision = interleaving_decision(10, 0)

    assert decision.p_value == pytest.approx(1 / ratio, rel=1e-9)
    # By hand: 1 / (1024 * prod over k = 12..21 of k / (k + 12)).
    assert decision.p_value == pytest.approx(0.2563, abs=1e-4)
    assert decision.state == "insufficient"
    assert decision.leader == 0
    assert decision.effect == 1.0


def test_interleaving_a_consistent_winner_is_better():
    decision = interleaving_decision(30, 70)

    assert decision.state == "better"
    assert decision.winner == 1
    assert decision.estimates == (0.3, 0.7)
    assert decision.effect == pytest.approx(0.4)
    assert 0 < decision.interval[0] < 0.4 < decision.interval[1] < 1


def test_interleaving_even_wins_on_many_impressions_is_no_difference():
    decision = interleaving_decision(5000, 5000)

    assert decision.state == "no_difference"
    assert decision.leader is None
    assert -0.1 < decision.interval[0] < 0 < decision.interval[1] < 0.1


def test_interleaving_before_any_decisive_impression():
    decision = interleaving_decision(0, 0)

    assert decision.state == "insufficient"
    assert decision.p_value == 1.0
    assert decision.interval == (-1.0, 1.0)


def test_interleaving_confidence_sequence_covers_the_truth_at_every_look():
    rng = np.random.default_rng(11)
    true_effect, experiments = 2 * 0.6 - 1, 200
    missed = 0
    for _ in range(experiments):
        wins_a = rng.binomial(1, 0.6, size=2000).cumsum()
        looks = range(99, 2000, 100)
        missed += any(
            not (low <= true_effect <= high)
            for low, high in (
                interleaving_decision(int(wins_a[n]), n + 1 - int(wins_a[n])).interval
                for n in looks
            )
        )

    assert missed / experiments <= 0.05


def test_interleaving_a_a_looked_at_every_20_impressions_rarely_finds_a_winner():
    rng = np.random.default_rng(5)
    experiments, impressions = 200, 600
    false_winners = 0
    for _ in range(experiments):
        wins_a = rng.binomial(1, 0.5, size=impressions).cumsum()
        false_winners += any(
            interleaving_decision(int(wins_a[n]), n + 1 - int(wins_a[n])).state == "better"
            for n in range(0, impressions, 20)
        )

    assert false_winners / experiments <= 0.05


@pytest.mark.parametrize("arguments", [(-1, 3, {}), (1, 3, {"tau": 0.5}), (1, 3, {"alpha": 0})])
def test_interleaving_bad_input_is_an_error(arguments):
    wins_a, wins_b, options = arguments
    with pytest.raises(ValueError):
        interleaving_decision(wins_a, wins_b, **options)


# ------------------------------------------------------------------------------ intervals


def test_wilson_interval_hand_computed():
    assert rate_interval(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert rate_interval(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert rate_interval(0, 0) == (0.0, 1.0)


def test_wilson_interval_rejects_impossible_counts():
    with pytest.raises(ValueError):
        rate_interval(11, 10)
