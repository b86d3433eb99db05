"""Benchmark (issue 12): the sequence LM on the next-article protocol, MovieLens 100K.

Each user's last rating (by timestamp; ties keep the file's order) is the test item; the rest
is training data, read in time order. Every model ranks the whole catalogue minus the user's
training items. Measured in this one run:

- popularity;
- the ``implicit`` library's ALS over a small grid (factors 32 / 64 / 128 x alpha 1 / 10 / 40;
  the best of the grid *on the test item* is the baseline, which only flatters the baseline);
- the sequence LM (recommender.ml.lm.model.SequenceLM, its defaults, early-stopped on each
  user's second-to-last item: the validation carved from training, on which
  benchmarks/lm_settings_search.py chose those defaults);
- the hybrid with the LM as a feature (recommender.ml.hybrid.HybridRecommender, its weights
  learnt on each user's second-to-last item too).

A movie's text is its title and genres ("Toy Story (1995). Animation, Children's, Comedy"),
embedded by the packaged MiniLM (cached in --cache-dir). Bars: LM NDCG@10 >= 1.3x the best
ALS; hybrid NDCG@10 >= the better of LM and ALS. Every figure comes with its standard error, a
bootstrap over users (1,000 resamples); ratios with a paired bootstrap's 90% interval.

    nice -n 5 .venv/bin/python benchmarks/lm_next_article.py [--lm-seconds 1500] [--threads 1]
        [--lm-dir DIR]

Writes benchmarks/results/lm_next_article.json; exits 1 when a bar is missed, 0 otherwise (also
when the data set is absent).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from argparse import Namespace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "lm_next_article.json"
LM_BAR = 1.3
BOOTSTRAP = 1000
sys.path.insert(0, str(ROOT))

from benchmarks._data import data_option, text_embeddings  # noqa: E402
from benchmarks._implicit import fit_implicit  # noqa: E402
from recommender.ml.base import top_n  # noqa: E402
from recommender.ml.datasets import read_movielens  # noqa: E402
from recommender.ml.hybrid import HybridRecommender, SequenceInput  # noqa: E402
from recommender.ml.lm.model import SequenceLM  # noqa: E402
from recommender.ml.lm.sequences import Histories, ordered_histories  # noqa: E402
from recommender.ml.metrics import ndcg_at_k, recall_at_k  # noqa: E402
from recommender.ml.popular import PopularityRecommender  # noqa: E402
from recommender.ml.splits import next_item_split  # noqa: E402

GRID = {"factors": (32, 64, 128), "alpha": (1.0, 10.0, 40.0)}


def per_user(model, train, test, users: np.ndarray) -> dict[str, np.ndarray]:
    """{"ndcg@10", "recall@10", "recall@20"}: float64 (len(users),) per user, ranking the
    whole catalogue minus their training items (as metrics.evaluate)."""
    out = {name: np.zeros(len(users)) for name in ("ndcg@10", "recall@10", "recall@20")}
    for start in range(0, len(users), 256):
        batch = users[start : start + 256]
        scores = np.array(model.score_users(batch, train), dtype=np.float32)
        for row, user in enumerate(batch):
            scores[row, train.seen(user)] = -np.inf
            ranked = top_n(scores[row], 20)
            relevant = set(test.positives[user].indices.tolist())
            at = start + row
            out["ndcg@10"][at] = ndcg_at_k(ranked[:10], relevant, 10)
            out["recall@10"][at] = recall_at_k(ranked[:10], relevant, 10)
            out["recall@20"][at] = recall_at_k(ranked, relevant, 20)
    return out


def summary(values: np.ndarray, resamples: np.ndarray) -> dict[str, float]:
    return {
        "mean": round(float(values.mean()), 4),
        "se": round(float(values[resamples].mean(axis=1).std()), 4),
    }


def ratio(a: np.ndarray, b: np.ndarray, resamples: np.ndarray) -> dict[str, float]:
    """mean(a) / mean(b) and its paired-bootstrap 90% interval."""
    ratios = a[resamples].mean(axis=1) / np.maximum(b[resamples].mean(axis=1), 1e-12)
    low, high = np.percentile(ratios, [5, 95])
    return {
        "ratio": round(float(a.mean() / b.mean()), 3),
        "p5": round(float(low), 3),
        "p95": round(float(high), 3),
    }


def _lm(args, vectors: np.ndarray, train, orders: Histories) -> SequenceLM:
    """The LM fitted on ``train`` (or, with --lm-dir holding one, the LM fitted by an earlier
    run, to work on the hybrid; it is saved there after a fit)."""
    if args.lm_dir is not None and (args.lm_dir / "params.json").is_file():
        lm = SequenceLM.load(args.lm_dir, threads=args.threads)
        lm.histories = orders.items
        print(f"lm: loaded from {args.lm_dir} (fitted in {lm.train_seconds:.1f} s)")
        return lm
    lm = SequenceLM(vectors, time_budget_s=args.lm_seconds, threads=args.threads, seed=args.seed)
    lm.fit(
        train,
        histories=orders,
        callback=lambda p: print(
            f"  lm epoch {p.epoch}: loss {p.loss:.3f}, validation NDCG@10 {p.ndcg_val:.4f}",
            flush=True,
        ),
    )
    if args.lm_dir is not None:
        args.lm_dir.mkdir(parents=True, exist_ok=True)
        lm.save(args.lm_dir)
    return lm


def next_article_split(directory: Path):
    """(the data set, its matrix, train, test, each reader's training items in reading order):
    each reader's last rating is test (``splits.next_item_split``)."""
    dataset = read_movielens(directory)
    matrix = dataset.matrix()
    orders = ordered_histories(dataset.interactions, matrix)
    train, test = next_item_split(matrix, orders.items)
    train_orders = orders.cut([len(items) - 1 for items in orders.items])
    return dataset, matrix, train, test, train_orders


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    data_option(parser)
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "embeddings")
    parser.add_argument("--lm-seconds", type=float, default=1500.0, help="LM time budget")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--lm-dir", type=Path, help="save the fitted LM here, or reuse it")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    directory = args.data / "ml-100k"
    if not (directory / "u.data").is_file():
        print(f"MovieLens 100K not found at {directory} (set --data): nothing measured.")
        return 0
    dataset, matrix, train, test, train_orders = next_article_split(directory)
    users = np.flatnonzero(np.diff(test.positives.indptr) > 0)
    vectors = text_embeddings(dataset.articles, args.cache_dir)
    resamples = np.random.default_rng(args.seed).integers(0, len(users), (BOOTSTRAP, len(users)))
    per: dict[str, dict[str, np.ndarray]] = {}
    seconds: dict[str, float] = {}

    def run(name: str, model, fit_seconds: float) -> None:
        per[name] = per_user(model, train, test, users)
        seconds[name] = round(fit_seconds, 1)
        print(f"{name:28s} NDCG@10 {per[name]['ndcg@10'].mean():.4f}  fit {fit_seconds:.1f} s")

    started = time.perf_counter()
    run("popularity", PopularityRecommender().fit(train), time.perf_counter() - started)
    for factors, alpha in itertools.product(GRID["factors"], GRID["alpha"]):
        options = Namespace(
            regularization=0.01, alpha=alpha, iterations=15, threads=2, seed=args.seed
        )
        model, fit_seconds = fit_implicit(train, options, factors=factors)
        run(f"implicit als f{factors} a{alpha:g}", model, fit_seconds)
    als = max(
        (name for name in per if name.startswith("implicit")),
        key=lambda name: per[name]["ndcg@10"].mean(),
    )

    lm = _lm(args, vectors, train, train_orders)
    run("lm", lm, lm.train_seconds)

    started = time.perf_counter()
    hybrid = HybridRecommender(
        vectors, sequence=SequenceInput(lm, train_orders.items), seed=args.seed, factors=64
    ).fit(train)
    run("hybrid (with lm)", hybrid, time.perf_counter() - started)

    better = "lm" if per["lm"]["ndcg@10"].mean() >= per[als]["ndcg@10"].mean() else als
    lm_vs_als = ratio(per["lm"]["ndcg@10"], per[als]["ndcg@10"], resamples)
    hybrid_vs_better = ratio(per["hybrid (with lm)"]["ndcg@10"], per[better]["ndcg@10"], resamples)
    bars = {
        "lm_ndcg10_vs_best_als": {**lm_vs_als, "bar": LM_BAR, "met": lm_vs_als["ratio"] >= LM_BAR},
        "hybrid_ndcg10_vs_better_of_lm_and_als": {
            **hybrid_vs_better,
            "bar": 1.0,
            "met": hybrid_vs_better["ratio"] >= 1.0,
        },
    }
    result = {
        "protocol": "ml-100k, each user's last rating (timestamp, ties in file order) as test, "
        "full ranking minus training items; standard errors: bootstrap over users",
        "users": int(len(users)),
        "items": int(matrix.shape[1]),
        "best_als": als,
        "models": {
            name: {metric: summary(values, resamples) for metric, values in metrics.items()}
            | {"fit_seconds": seconds[name]}
            for name, metrics in per.items()
        },
        "lm": {"params": lm.params, "validation": lm.validation},
        "hybrid_weights": {name: round(value, 4) for name, value in hybrid.weights.items()},
        "bars": bars,
    }
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    for name, bar in bars.items():
        print(
            f"{name}: {bar['ratio']} (90% {bar['p5']}-{bar['p95']}), bar {bar['bar']}: "
            f"{'met' if bar['met'] else 'MISSED'}"
        )
    return 0 if all(bar["met"] for bar in bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
