"""Decision rules for online experiments that stay valid however often editors look.

A classical test is valid only when it is looked at once, at a sample size fixed in advance:
checking it every day and stopping at the first "significant" day makes false winners far more
likely than its nominal 5 %. The rules here are mixture sequential probability ratio tests
(mSPRT; Robbins 1970, Johari, Pekelis & Walsh 2017 "Always valid inference"): under the null
hypothesis the mixture likelihood ratio Lambda_n is a non-negative martingale with mean 1, so by
Ville's inequality P(Lambda_n >= 1/alpha for *any* n) <= alpha. Hence p_n = min(1, 1/Lambda_n)
is an always-valid p-value and inverting the test for every effect size gives a confidence
sequence: intervals that cover the true effect at all times simultaneously with probability
>= 1 - alpha. Looking every day, every hour or after every impression is therefore safe: the
guarantee is about the whole path, not one look.

States of a ``Decision``:
- ``better``: the always-valid p-value is <= alpha and one arm beats every other arm; the
  chance that this is ever said of arms that do not differ is <= alpha.
- ``no_difference``: the confidence sequence for the difference lies inside the practical
  equivalence margin, so any difference larger than the margin has been ruled out; the chance
  that this is ever said while the true difference exceeds the margin is <= alpha (the
  confidence sequence would have to miss the true effect).
- ``insufficient``: neither yet ("not enough data yet").

p-values here are computed from the current counts; the running minimum over earlier looks is
also always valid, and callers that keep history may report it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Literal

import numpy as np
from scipy.optimize import brentq
from scipy.special import betaln, xlogy
from scipy.stats import norm

State = Literal["insufficient", "better", "no_difference"]

# Below this many trials in an arm the normal approximation behind the A/B mixture is poor.
MIN_TRIALS = 100


@dataclass(frozen=True)
class Decision:
    """The state of an experiment at one look.

    winner: the arm (index into the arms passed in) that is better, only when state is
    "better"; p_value: always-valid p-value against "no difference" in [0, 1]; leader: the arm
    with the best observed estimate (None for an interleaving tie); estimates: per arm, the
    observed rate (A/B) or share of decisive impressions won (interleaving); effect: the leader's
    advantage over the runner-up on that scale (A/B: difference in rates; interleaving: difference
    in win shares, 2 * share - 1); interval: the always-valid confidence interval of ``effect``;
    margin: the practical-equivalence margin used for "no_difference", on the same scale.
    """

    state: State
    winner: int | None
    p_value: float
    leader: int | None
    estimates: tuple[float, ...]
    effect: float
    interval: tuple[float, float]
    margin: float


# ------------------------------------------------------------------------------------ A/B


def _normal_log_mixture(difference: float, variance: float, mixing_variance: float) -> float:
    """log Lambda of the normal mSPRT for an estimate ~ N(theta, variance), H0: theta = 0,
    mixing distribution theta ~ N(0, mixing_variance) (Johari et al. 2017, eq. for Lambda_n)."""
    total = variance + mixing_variance
    return 0.5 * math.log(variance / total) + (
        mixing_variance * difference**2 / (2 * variance * total)
    )


def _normal_half_width(variance: float, mixing_variance: float, alpha: float) -> float:
    """Half-width of the confidence sequence from inverting the normal mSPRT at level alpha:
    every theta with Lambda_n(theta) < 1/alpha."""
    total = variance + mixing_variance
    return math.sqrt(
        2
        * variance
        * total
        / mixing_variance
        * (math.log(1 / alpha) + 0.5 * math.log(total / variance))
    )


def ab_decision(
    successes: Sequence[float],
    trials: Sequence[int],
    *,
    alpha: float = 0.05,
    tau: float = 0.1,
    relative_margin: float = 0.1,
    sum_squares: Sequence[float] | None = None,
    min_trials: int = MIN_TRIALS,
) -> Decision:
    """A/B test on rates per arm (clicks per impression, reads, likes, thumbs-up rate) with the
    always-valid normal mSPRT of Johari et al., safe to look at every day.

    successes[i] / trials[i] is arm i's rate: the sum of a per-trial outcome over its trials.
    For binary outcomes (a vote is up or not) that is all; for counts (clicks on one list of ten
    cards can be 0..10) pass ``sum_squares[i]``, the sum of squared per-trial outcomes, so that
    the variance is measured rather than assumed Bernoulli. tau: standard deviation of the
    mixing distribution of the difference in units of one trial's standard deviation (the effect
    sizes the test is most sensitive to; 0.1 suits the few-percent lifts of rankers).
    relative_margin: "no difference" means every difference is within this fraction of the
    pooled rate. With more than two arms each pair is tested at alpha / pairs (Bonferroni) and
    "better" needs one arm that beats every other.
    """
    counts = np.asarray(successes, dtype=np.float64)
    sizes = np.asarray(trials, dtype=np.float64)
    squares = counts if sum_squares is None else np.asarray(sum_squares, dtype=np.float64)
    _check_arms(counts, sizes, squares, binary=sum_squares is None, alpha=alpha)
    rates = np.divide(counts, sizes, out=np.zeros_like(counts), where=sizes > 0)
    order = np.argsort(-rates, kind="stable")
    leader, runner_up = int(order[0]), int(order[1])
    pairs = list(combinations(range(len(counts)), 2))
    pair_alpha = alpha / len(pairs)
    pooled_rate = counts.sum() / sizes.sum() if sizes.sum() > 0 else 0.0
    margin = relative_margin * pooled_rate
    effect = float(rates[leader] - rates[runner_up])
    if sizes.min() < max(min_trials, 2):
        unbounded = (-math.inf, math.inf)
        return Decision("insufficient", None, 1.0, leader, tuple(rates), effect, unbounded, margin)

    p_values: dict[tuple[int, int], float] = {}
    widths: dict[tuple[int, int], float] = {}
    for first, second in pairs:
        n1, n2 = sizes[first], sizes[second]
        scale = 1 / n1 + 1 / n2
        # Under H0 both arms share one variance: the pooled one keeps the test stable when an
        # arm has few successes; the interval uses each arm's own variance.
        pooled_variance = _variance(
            counts[first] + counts[second], squares[first] + squares[second], n1 + n2
        )
        difference = float(rates[first] - rates[second])
        if pooled_variance > 0:
            log_mixture = _normal_log_mixture(
                difference, pooled_variance * scale, tau**2 * pooled_variance
            )
            p_values[first, second] = min(1.0, math.exp(-log_mixture))
        else:
            p_values[first, second] = 1.0
        own_variance = (
            _variance(counts[first], squares[first], n1) / n1
            + _variance(counts[second], squares[second], n2) / n2
        )
        if own_variance > 0:
            mixing_variance = tau**2 * own_variance / scale
            widths[first, second] = _normal_half_width(own_variance, mixing_variance, pair_alpha)
        else:
            widths[first, second] = math.inf
    adjusted = {pair: min(1.0, p * len(pairs)) for pair, p in p_values.items()}
    p_value = min(adjusted.values())
    width = widths[min(leader, runner_up), max(leader, runner_up)]
    interval = (effect - width, effect + width)

    if all(
        adjusted[min(leader, other), max(leader, other)] <= alpha
        for other in range(len(counts))
        if other != leader
    ):
        return Decision("better", leader, p_value, leader, tuple(rates), effect, interval, margin)
    within = all(
        abs(rates[first] - rates[second]) + widths[first, second] < margin
        for first, second in pairs
    )
    state: State = "no_difference" if within else "insufficient"
    return Decision(state, None, p_value, leader, tuple(rates), effect, interval, margin)


def _variance(total: float, total_squares: float, trials: float) -> float:
    mean = total / trials
    return max(0.0, total_squares / trials - mean**2)


def _check_arms(
    counts: np.ndarray, sizes: np.ndarray, squares: np.ndarray, *, binary: bool, alpha: float
) -> None:
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if counts.ndim != 1 or len(counts) < 2:
        raise ValueError("an experiment needs two or more arms")
    if counts.shape != sizes.shape or counts.shape != squares.shape:
        raise ValueError("successes, trials and sum_squares need one entry per arm")
    if (counts < 0).any() or (sizes < 0).any() or (squares < 0).any():
        raise ValueError("counts must be >= 0")
    if binary and (counts > sizes).any():
        raise ValueError("more successes than trials: pass sum_squares for count outcomes")


# ------------------------------------------------------------------------------ interleaving


def interleaving_decision(
    wins_a: int,
    wins_b: int,
    *,
    alpha: float = 0.05,
    tau: float = 0.1,
    margin: float = 0.1,
) -> Decision:
    """Interleaving test on per-impression wins: impressions where ranker A (arm 0) got more
    credited clicks than B (arm 1), and vice versa; ties are ignored.

    A sign test made sequential: under H0 a decisive impression is won by A with probability
    q = 1/2. The mixture over q ~ Beta(a, a) gives the exact mSPRT
    Lambda_n = 2^n B(a + wins_a, a + wins_b) / B(a, a), a martingale under H0 with no normal
    approximation, valid from the first impression. tau: standard deviation of the mixing
    distribution of q around 1/2. margin: "no difference" means the always-valid interval of
    the win-share difference (2 q - 1) lies within +-margin (0.1: neither wins more than 55 % of
    decisive impressions).
    """
    if wins_a < 0 or wins_b < 0:
        raise ValueError("wins must be >= 0")
    if not 0 < alpha < 1:
        raise ValueError("alpha must be in (0, 1)")
    if not 0 < tau < 0.5:
        raise ValueError("tau must be in (0, 0.5)")
    prior = (1 / (4 * tau**2) - 1) / 2  # Beta(a, a) has variance 1 / (4 (2a + 1))
    decisive = wins_a + wins_b
    mixture = betaln(prior + wins_a, prior + wins_b) - betaln(prior, prior)
    p_value = min(1.0, math.exp(-(mixture + decisive * math.log(2))))
    share_a = wins_a / decisive if decisive else 0.5
    low, high = _share_interval(mixture, wins_a, wins_b, share_a, alpha)
    estimates = (share_a, 1 - share_a) if decisive else (0.0, 0.0)
    if wins_a >= wins_b:
        effect, interval = 2 * share_a - 1, (2 * low - 1, 2 * high - 1)
    else:
        effect, interval = 1 - 2 * share_a, (1 - 2 * high, 1 - 2 * low)
    leader: int | None = None if wins_a == wins_b else int(wins_b > wins_a)
    if p_value <= alpha and leader is not None:
        return Decision("better", leader, p_value, leader, estimates, effect, interval, margin)
    state: State = (
        "no_difference" if -margin < interval[0] and interval[1] < margin else "insufficient"
    )
    return Decision(state, None, p_value, leader, estimates, effect, interval, margin)


def _share_interval(
    log_mixture: float, wins_a: int, wins_b: int, share_a: float, alpha: float
) -> tuple[float, float]:
    """The q where the mixture ratio against H0: q stays below 1/alpha: the convex function
    below is negative on one interval around the observed share."""

    def excess(q: float) -> float:
        log_null = xlogy(wins_a, q) + xlogy(wins_b, 1 - q)
        return float(log_mixture - log_null - math.log(1 / alpha))

    if wins_a + wins_b == 0:
        return 0.0, 1.0
    # The mixture never exceeds the maximum likelihood, so excess(share_a) < 0 always.
    edge = 1e-12
    low = 0.0 if excess(edge) < 0 else brentq(excess, edge, share_a)
    high = 1.0 if excess(1 - edge) < 0 else brentq(excess, share_a, 1 - edge)
    return float(low), float(high)


# ------------------------------------------------------------------------------ intervals


def rate_interval(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a binary rate (fixed-sample, for showing one arm's rate; the
    decisions above use the always-valid intervals). (0, 1) before any trial."""
    if trials < 0 or not 0 <= successes <= max(trials, 0):
        raise ValueError("need 0 <= successes <= trials")
    if not 0 < confidence < 1:
        raise ValueError("confidence must be in (0, 1)")
    if trials == 0:
        return 0.0, 1.0
    z = float(norm.ppf(0.5 + confidence / 2))
    rate = successes / trials
    denominator = 1 + z**2 / trials
    centre = (rate + z**2 / (2 * trials)) / denominator
    spread = z * math.sqrt(rate * (1 - rate) / trials + z**2 / (4 * trials**2)) / denominator
    return max(0.0, centre - spread), min(1.0, centre + spread)
