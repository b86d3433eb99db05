"""Benchmark (issue 15): how many impressions an online experiment needs, A/B split against
team-draft interleaving, and whether the production decision rule survives daily peeking.

Simulated readers are the citeulike-a readers with a held-out set in the warm split (seed 0);
the rankers are trained on the rest: MF at 64 factors against popularity, and MF at 256 against
64 factors. An impression is one list of 10 shown to one reader drawn at random; the reader
examines position p (from 1) with probability 1 / log2(p + 1) and clicks an examined article with
probability 0.6 if it is in their held-out set, else 0.05.

- A/B: each impression goes to one of the two halves of the traffic with probability 1/2 and
  shows that half's ranker's top 10; clicks per impression are compared between the halves.
- Interleaving: each impression shows recommender.ml.experiments.interleaving.team_draft's merge
  of both rankers' lists; clicks are credited to the ranker that contributed the item; an
  impression is won by the ranker with more credited clicks (ties ignored).

Every reader's rankings and click probabilities are computed once (for interleaving over
``--lists`` team-draft lists per reader drawn by the production function). Since readers are
drawn independently per impression, one impression's outcome (clicks 0..10 under A/B; A wins,
B wins or tie under interleaving) is an independent draw from its distribution averaged over
readers, so N impressions are drawn as one multinomial: the same distribution as drawing readers
and clicks one by one, at a tiny fraction of the cost. (This treats each impression as coming
from a fresh reader of a large population; repeat visits of one reader would add between-reader
variance to A/B only, which interleaving compares within each impression.)

Impressions needed: the smallest N at which the decision rule names the truly better ranker
(more expected clicks per impression) in >= 95 % of ``--experiments`` simulated experiments,
with <= 5 % two-sided error, sizes searched by doubling then bisection with fresh experiments
at every size. The headline uses the production rule (recommender.ml.experiments.sequential:
always-valid mSPRT, read once at N; peeking earlier could only have stopped sooner); the
classical fixed-horizon tests (Welch z for A/B, exact sign test for interleaving) are reported
beside it. A/A check: the production rules on two identical arms, a look every ``--peek``
impressions up to ``--horizon``, ``--aa-experiments`` times.

    .venv/bin/python benchmarks/experiments.py [--experiments 1000] [--json OUT]

Writes benchmarks/results/experiments.json (and OUT); exits 1 when a bar is missed: interleaving
needs <= 1/10 of A/B's impressions on both pairs, A/A false-positive rate <= 6.4 %.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.stats import binom, norm

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "experiments.json"
sys.path.insert(0, str(ROOT))

from benchmarks._data import citeulike, data_option  # noqa: E402
from recommender.ml.base import Recommender  # noqa: E402
from recommender.ml.data import InteractionMatrix  # noqa: E402
from recommender.ml.datasets import read_citeulike  # noqa: E402
from recommender.ml.experiments.interleaving import team_draft  # noqa: E402
from recommender.ml.experiments.sequential import ab_decision, interleaving_decision  # noqa: E402
from recommender.ml.mf import ImplicitALS  # noqa: E402
from recommender.ml.popular import PopularityRecommender  # noqa: E402
from recommender.ml.splits import warm_split  # noqa: E402

LIST_LENGTH = 10
# Each ranker hands team_draft a deeper list, so that it still has items to add when the other
# ranker already took some of its top 10.
DEPTH = 2 * LIST_LENGTH
EXAMINATION = 1 / np.log2(np.arange(2, LIST_LENGTH + 2))
CLICK_RELEVANT, CLICK_OTHER = 0.6, 0.05
CLICKS = np.arange(LIST_LENGTH + 1)  # the possible clicks on one impression
POWER, ALPHA = 0.95, 0.05
FPR_BAR = 0.064  # 5 % plus two standard errors of a rate over 1,000 experiments
RATIO_BAR = 0.1


def top_lists(model: Recommender, train: InteractionMatrix, readers: np.ndarray) -> np.ndarray:
    """int64 (readers, DEPTH): each reader's ranking without their training articles."""
    return np.stack([model.recommend(int(reader), train, n=DEPTH)[0] for reader in readers])


def click_probabilities(lists: np.ndarray, readers: np.ndarray, test: InteractionMatrix):
    """float64 (rows, LIST_LENGTH): P(click) at each position of each row's list of 10."""
    shown = lists[:, :LIST_LENGTH]
    relevant = np.asarray(test.positives[np.repeat(readers, LIST_LENGTH), shown.ravel()])
    relevant = relevant.reshape(shown.shape) > 0
    return EXAMINATION * np.where(relevant, CLICK_RELEVANT, CLICK_OTHER)


def count_distribution(probabilities: np.ndarray) -> np.ndarray:
    """float64 (rows, P + 1): distribution of the number of clicks on independent positions."""
    rows, positions = probabilities.shape
    pmf = np.zeros((rows, positions + 1))
    pmf[:, 0] = 1.0
    for position in range(positions):
        click = probabilities[:, position : position + 1]
        moved = pmf * click
        pmf *= 1 - click
        pmf[:, 1:] += moved[:, :-1]
    return pmf


def reader_clicks(lists: np.ndarray, readers: np.ndarray, test: InteractionMatrix) -> np.ndarray:
    """float64 (readers, LIST_LENGTH + 1): each reader's distribution of clicks per impression."""
    return count_distribution(click_probabilities(lists, readers, test))


def between_reader_share(per_reader: np.ndarray) -> float:
    """Share of the variance of clicks per impression that is between readers (the part an A/B
    split must average out and interleaving, comparing within one impression, does not see)."""
    marginal = per_reader.mean(axis=0)
    total = marginal @ CLICKS**2 - (marginal @ CLICKS) ** 2
    return float((per_reader @ CLICKS).var() / total)


def interleaving_outcomes(lists_a, lists_b, readers, test, *, per_reader: int, seed: int):
    """(P(A wins), P(B wins), P(tie)) of one impression, reader and team-draft list at random."""
    rng = np.random.default_rng(seed)
    items, teams = [], []
    for row in range(len(readers)):
        for _ in range(per_reader):
            merged, team = team_draft([lists_a[row], lists_b[row]], LIST_LENGTH, rng)
            items.append(merged)
            teams.append(team)
    probabilities = click_probabilities(np.array(items), np.repeat(readers, per_reader), test)
    team = np.array(teams)
    clicks_a = count_distribution(np.where(team == 0, probabilities, 0.0))
    clicks_b = count_distribution(np.where(team == 1, probabilities, 0.0))
    a_wins = (clicks_a[:, 1:] * clicks_b.cumsum(axis=1)[:, :-1]).sum(axis=1).mean()
    b_wins = (clicks_b[:, 1:] * clicks_a.cumsum(axis=1)[:, :-1]).sum(axis=1).mean()
    return np.array([a_wins, b_wins, 1 - a_wins - b_wins])


# ----------------------------------------------------------------------------- experiments


def ab_draws(outcomes: np.ndarray, impressions: int, experiments: int, rng):
    """(clicks, squares, trials), each int (experiments, 2): N impressions split by a coin."""
    first = rng.binomial(impressions, 0.5, size=experiments)
    trials = np.stack([first, impressions - first], axis=1)
    counts = [rng.multinomial(trials[:, arm], outcomes[arm]) for arm in range(2)]
    clicks = np.stack([count @ CLICKS for count in counts], axis=1)
    squares = np.stack([count @ CLICKS**2 for count in counts], axis=1)
    return clicks, squares, trials


def ab_production(outcomes, impressions, experiments, rng) -> np.ndarray:
    """Winner per experiment by the production rule (-1: none)."""
    clicks, squares, trials = ab_draws(outcomes, impressions, experiments, rng)
    return np.array(
        [
            _winner(ab_decision(clicks[e], trials[e], sum_squares=squares[e]))
            for e in range(experiments)
        ]
    )


def ab_fixed(outcomes, impressions, experiments, rng) -> np.ndarray:
    """Winner per experiment by a two-sided Welch z-test at ALPHA, read once at N."""
    clicks, squares, trials = ab_draws(outcomes, impressions, experiments, rng)
    trials = np.maximum(trials, 1)
    means = clicks / trials
    variances = squares / trials - means**2
    spread = np.sqrt((variances / trials).sum(axis=1))
    z = np.divide(means[:, 0] - means[:, 1], spread, out=np.zeros(experiments), where=spread > 0)
    significant = np.abs(z) >= norm.ppf(1 - ALPHA / 2)
    return np.where(significant, (z < 0).astype(int), -1)


def interleaving_production(outcomes, impressions, experiments, rng) -> np.ndarray:
    wins = rng.multinomial(impressions, outcomes, size=experiments)
    return np.array([_winner(interleaving_decision(int(a), int(b))) for a, b, _ in wins])


def interleaving_fixed(outcomes, impressions, experiments, rng) -> np.ndarray:
    """Winner per experiment by the two-sided exact sign test at ALPHA, read once at N."""
    wins = rng.multinomial(impressions, outcomes, size=experiments)
    a, b = wins[:, 0], wins[:, 1]
    p_values = np.minimum(1.0, 2 * binom.cdf(np.minimum(a, b), a + b, 0.5))
    return np.where((p_values <= ALPHA) & (a != b), (b > a).astype(int), -1)


def _winner(decision) -> int:
    return decision.winner if decision.state == "better" else -1


def impressions_needed(run: Callable, outcomes, better: int, args, rng) -> tuple[int | None, dict]:
    """Smallest N with power >= POWER (right winner named), by doubling then bisection."""
    tried: dict[int, float] = {}

    def power(impressions: int) -> float:
        winners = run(outcomes, impressions, args.experiments, rng)
        tried[impressions] = float(np.mean(winners == better))
        return tried[impressions]

    low, high = 0, args.start
    while power(high) < POWER:
        if high >= args.max_impressions:
            return None, tried
        low, high = high, 2 * high
    while high - low > max(1, int(args.precision * high)):
        middle = (low + high) // 2
        low, high = (low, middle) if power(middle) >= POWER else (middle, high)
    return high, dict(sorted(tried.items()))


def aa_false_positive_rates(ab_same, interleaving_same, args, rng) -> dict[str, float]:
    """Share of A/A experiments (both arms one ranker) that the production rules ever call
    "better", looked at every ``args.peek`` impressions up to ``args.horizon``."""
    looks = args.horizon // args.peek
    found = {"ab": 0, "interleaving": 0}
    for _ in range(args.aa_experiments):
        # ab_draws of `looks` experiments of `peek` impressions: one path's increments.
        clicks, squares, trials = (
            part.cumsum(axis=0) for part in ab_draws(ab_same, args.peek, looks, rng)
        )
        found["ab"] += any(
            ab_decision(clicks[look], trials[look], sum_squares=squares[look]).state == "better"
            for look in range(looks)
        )
        wins = rng.multinomial(args.peek, interleaving_same, size=looks).cumsum(axis=0)
        found["interleaving"] += any(
            interleaving_decision(int(wins[look, 0]), int(wins[look, 1])).state == "better"
            for look in range(looks)
        )
    return {name: count / args.aa_experiments for name, count in found.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--experiments", type=int, default=1000, help="per tried size (>= 200)")
    parser.add_argument("--start", type=int, default=16, help="first size tried")
    parser.add_argument("--max-impressions", type=int, default=2**24)
    parser.add_argument("--precision", type=float, default=0.02, help="bisection stops here")
    parser.add_argument("--lists", type=int, default=16, help="team-draft lists per reader")
    parser.add_argument("--aa-experiments", type=int, default=1000)
    parser.add_argument("--peek", type=int, default=1000, help="A/A: impressions between looks")
    parser.add_argument("--horizon", type=int, default=20_000, help="A/A: impressions in all")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, metavar="OUT", help="also write the result here")
    data_option(parser)
    args = parser.parse_args()
    if args.experiments < 200:
        parser.error("--experiments must be >= 200")
    if (data := citeulike(args.data)) is None:
        return 0

    started = time.perf_counter()
    load_before = os.getloadavg()
    train, test = warm_split(read_citeulike(data).matrix(), seed=args.seed)
    readers = np.flatnonzero(np.diff(test.positives.indptr))
    print(
        f"citeulike-a warm split (seed {args.seed}): {len(readers)} simulated readers with a "
        f"held-out set, {train.shape[1]} articles"
    )
    models: dict[str, Recommender] = {
        "popularity": PopularityRecommender().fit(train),
        "MF 64": ImplicitALS(factors=64, threads=args.threads, seed=args.seed).fit(train),
        "MF 256": ImplicitALS(factors=256, threads=args.threads, seed=args.seed).fit(train),
    }
    lists = {name: top_lists(model, train, readers) for name, model in models.items()}
    per_reader = {name: reader_clicks(ranked, readers, test) for name, ranked in lists.items()}
    clicks = {name: distributions.mean(axis=0) for name, distributions in per_reader.items()}
    between = {name: between_reader_share(per_reader[name]) for name in per_reader}
    for name, outcomes in clicks.items():
        print(
            f"  {name:10s} expected clicks per impression {outcomes @ CLICKS:.4f}, "
            f"{between[name]:.0%} of their variance between readers"
        )
    print(f"models and click distributions ready in {time.perf_counter() - started:.0f} s")

    rng = np.random.default_rng(args.seed)
    pairs = []
    for first, second in (("MF 64", "popularity"), ("MF 256", "MF 64")):
        name = f"{first} vs {second}"
        ab = np.stack([clicks[first], clicks[second]])
        better = int(ab[1] @ CLICKS > ab[0] @ CLICKS)
        wins = interleaving_outcomes(
            lists[first], lists[second], readers, test, per_reader=args.lists, seed=args.seed
        )
        agree = int(wins[1] > wins[0]) == better
        result = {"name": name, "arms": [first, second], "better": [first, second][better]}
        result["clicks_per_impression"] = [float(arm @ CLICKS) for arm in ab]
        result["between_reader_variance_share"] = [between[first], between[second]]
        result["interleaving_outcomes"] = dict(
            zip(("a_wins", "b_wins", "tie"), wins.tolist(), strict=True)
        )
        result["interleaving_agrees"] = agree
        for key, run, outcomes in (
            ("ab", ab_production, ab),
            ("interleaving", interleaving_production, wins),
            ("ab_fixed_horizon", ab_fixed, ab),
            ("interleaving_fixed_horizon", interleaving_fixed, wins),
        ):
            needed, tried = impressions_needed(run, outcomes, better, args, rng)
            result[f"impressions_{key}"] = needed
            result[f"power_{key}"] = {str(size): power for size, power in tried.items()}
        production = (result["impressions_ab"], result["impressions_interleaving"])
        result["ratio"] = production[1] / production[0] if None not in production else None
        pairs.append(result)
        print(
            f"{name}: better {result['better']}; clicks/impression "
            f"{result['clicks_per_impression'][0]:.4f} vs {result['clicks_per_impression'][1]:.4f};"
            f" interleaving wins {wins[0]:.4f} vs {wins[1]:.4f} (ties {wins[2]:.4f})",
            flush=True,
        )

    same = clicks["MF 64"]
    draws = interleaving_outcomes(
        lists["MF 64"], lists["MF 64"], readers, test, per_reader=args.lists, seed=args.seed
    )
    # Identical lists make the rankers exchangeable: their true win chances are equal, and
    # averaging removes the noise of the sampled team-draft lists.
    decisive = (draws[0] + draws[1]) / 2
    aa = aa_false_positive_rates(
        np.stack([same, same]), np.array([decisive, decisive, draws[2]]), args, rng
    )
    aa_worst = max(aa.values())

    print(
        f"\nImpressions for {POWER:.0%} power at {ALPHA:.0%} two-sided error "
        f"({args.experiments} simulated experiments per size)"
    )
    header = f"{'pair':22s}{'rule':24s}{'A/B':>12s}{'interleaving':>14s}{'ratio':>9s}"
    print(header)
    ratios_ok = True
    for pair in pairs:
        for rule, suffix in (("production (mSPRT)", ""), ("fixed horizon", "_fixed_horizon")):
            ab_n, il_n = pair[f"impressions_ab{suffix}"], pair[f"impressions_interleaving{suffix}"]
            ratio = il_n / ab_n if ab_n and il_n else float("nan")
            print(
                f"{pair['name']:22s}{rule:24s}{ab_n or 'none':>12}{il_n or 'none':>14}{ratio:9.3f}"
            )
        ratios_ok &= pair["ratio"] is not None and pair["ratio"] <= RATIO_BAR
    aa_ok = aa_worst <= FPR_BAR
    print(
        f"A/A, production rules, a look every {args.peek} impressions up to {args.horizon}, "
        f"{args.aa_experiments} experiments: false positives A/B {aa['ab']:.1%}, "
        f"interleaving {aa['interleaving']:.1%}"
    )
    print(
        f"interleaving <= 1/10 of A/B impressions on both pairs: {'ok' if ratios_ok else 'MISSED'}"
    )
    print(f"A/A false-positive rate <= {FPR_BAR:.1%}: {'ok' if aa_ok else 'MISSED'}")
    seconds = time.perf_counter() - started
    print(f"whole run {seconds:.0f} s")

    report = {
        "benchmark": "experiments",
        "data": {
            "dataset": "citeulike-a",
            "split": f"warm, seed {args.seed}",
            "readers": int(len(readers)),
            "articles": train.shape[1],
        },
        "click_model": {
            "list_length": LIST_LENGTH,
            "examination": "1 / log2(p + 1)",
            "click_if_held_out": CLICK_RELEVANT,
            "click_otherwise": CLICK_OTHER,
        },
        "power_search": {
            "power": POWER,
            "two_sided_error": ALPHA,
            "headline_rule": "production: recommender.ml.experiments.sequential (mSPRT), read at N",
            "reference_rule": "fixed horizon: Welch z (A/B), exact sign test (interleaving)",
        },
        "params": {key: value for key, value in vars(args).items() if key not in ("data", "json")},
        "pairs": pairs,
        "aa_false_positive_rate": aa_worst,
        "aa": {**aa, "peek_every": args.peek, "horizon": args.horizon},
        "bars_met": {"interleaving <= 1/10 of A/B": ratios_ok, "A/A FPR <= 6.4 %": aa_ok},
        "seconds": seconds,
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average_before": load_before,
            "load_average_after": os.getloadavg(),
            "numpy": np.__version__,
        },
    }
    text = json.dumps(report, indent=2) + "\n"
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(text, encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if ratios_ok and aa_ok else 1


if __name__ == "__main__":
    sys.exit(main())
