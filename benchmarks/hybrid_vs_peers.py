"""Benchmark (issues 4 and 13): the hybrid ranker against the `implicit` library's ALS, our MF
and the zero-shot content model on citeulike-a (warm and cold splits of recommender.ml.splits,
seed 0) and on MovieLens 100K (warm split).

The hybrid is what ``evaluate_offline --model hybrid`` trains with no flags: its MF settings,
then its pool and features, searched on validation data carved from the training split alone
(recommender.ml.search, RECSITE_MF_SEARCH_TRIALS and RECSITE_HYBRID_SEARCH_TRIALS trials from
RECSITE_MF_PARAMS; no deadline, so that the search is the same whatever the machine's load),
then fitted on the whole training split. The test split is looked at once, to report; the
chosen settings and the search are written with the figures. ``--hybrid-factors N`` pins the
MF base's factor count instead (and adds implicit and our MF at N, starred, outside the bar).

Warm split: implicit ALS at 128 / 256 / 400 factors (same alpha, regularisation, iterations and
threads as our MF), our MF at --mf-factors, content, hybrid — all in this run, scored by the
same full-ranking metrics. Bar: hybrid NDCG@10 >= 1.05x the best implicit of those three.
Cold split (10% of the articles unseen in training, ranked among themselves; text = title +
abstract): content vs hybrid (searched again on the cold split's training part). Bar: hybrid
Recall@20 >= 1.2x content. MovieLens 100K (ratings weighted by their value, text = title +
genres):
implicit at 128 / 256 / 400 and the hybrid. Bar: hybrid NDCG@10 >= the best implicit.

The hybrid here is the configuration the retraining pipeline serves today: no sequence LM
(citeulike-a has no reading order; benchmarks/lm_next_article.py measures the LM and the hybrid
with it on MovieLens), readers scored by HybridRecommender.reader_scores from their history
(fold-in MF vectors), the function web processes serve with.

Pipeline (``--only pipeline`` alone): the retraining pipeline's stages on all of citeulike-a as
``retrain`` runs them, without the database: the embeddings (from the cache), the searches of
MF and hybrid settings (recommender.training.search, with their RECSITE_SEARCH_SECONDS deadline),
MF (validation split fit, validation, full fit), the text adapter, the
hybrid (recommender.ml.hybrid.train_over_mf: weights, validation against MF on MF's split,
refit over the MF model), the LM's time budget (settings; train_lm is not re-run) and the
refresh of every reader's list (reader_scores + top 200 per reader), with one reader's hybrid
scoring p50/p99 in ms (the cache-miss cost in a web process). Bar: the whole pipeline <= 15 min.

    .venv/bin/python benchmarks/hybrid_vs_peers.py [--cache-dir DIR] [--hybrid-factors N]
        [--only peers|movielens|pipeline]

Text embeddings come from the EmbeddingCache in --cache-dir (encoded first when missing: about
9 minutes on 2 cores). Writes benchmarks/results/hybrid_vs_peers.json; exits 1 when a bar is
missed, 0 otherwise (also when the data set is absent).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "hybrid_vs_peers.json"
WARM_BAR, COLD_BAR, MOVIELENS_BAR = 1.05, 1.2, 1.0
PIPELINE_BAR_SECONDS = 15 * 60
LIST_LENGTH = 200  # settings.RECSITE_LIST_LENGTH
sys.path.insert(0, str(ROOT))

from benchmarks._data import citeulike, data_option, text_embeddings  # noqa: E402
from benchmarks._implicit import als_options, fit_implicit  # noqa: E402
from recommender.ml.adapter import TextAdapter, adapter_training_set  # noqa: E402
from recommender.ml.base import top_n  # noqa: E402
from recommender.ml.content import ContentRecommender  # noqa: E402
from recommender.ml.datasets import read_citeulike, read_movielens  # noqa: E402
from recommender.ml.hybrid import HybridRecommender, history, train_over_mf  # noqa: E402
from recommender.ml.metrics import evaluate  # noqa: E402
from recommender.ml.mf import ImplicitALS  # noqa: E402
from recommender.ml.search import Budget, tuned_hybrid  # noqa: E402
from recommender.ml.splits import cold_split, warm_split  # noqa: E402

SHOWN = ("ndcg@10", "recall@10", "recall@20", "ndcg@20", "coverage@20")


def _run(name, fit, train, test, candidates=None) -> dict:
    started = time.perf_counter()
    model, train_seconds = fit()
    result = evaluate(model, train, test, candidates=candidates)
    result["train_seconds"] = round(train_seconds, 2)
    result["total_seconds"] = round(time.perf_counter() - started, 2)
    if isinstance(model, HybridRecommender):
        result["weights"] = model.params["weights"]
    print(
        f"  {name:14s}"
        + "".join(f"{result[key]:10.4f}" for key in SHOWN)
        + f"{result['train_seconds']:9.1f}",
        flush=True,
    )
    return result


def _header(title: str) -> None:
    print(f"\n{title}\n  {'model':14s}" + "".join(f"{key:>10s}" for key in SHOWN) + "  train s")


def _pipeline(args, matrix, embeddings, embeddings_seconds: float) -> dict:
    """The retraining pipeline's stages (module docstring), timed; one reader's scoring."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings.base")
    django.setup()
    from django.conf import settings

    from recommender.training.search import (
        hybrid_params_search,
        mf_params_search,
        search_deadline,
    )

    params = dict(settings.RECSITE_MF_PARAMS) | {"threads": args.threads}
    seed = settings.RECSITE_VALIDATION_SEED
    stages = {"embeddings (cached)": embeddings_seconds}
    started = time.perf_counter()
    train, test = warm_split(matrix, test_fraction=0.2, seed=seed)
    deadline = search_deadline()
    params, mf_search = mf_params_search(train, params=params, deadline=deadline)
    stages["MF search (RECSITE_SEARCH_SECONDS deadline)"] = time.perf_counter() - started
    started = time.perf_counter()
    validation_mf = ImplicitALS(**params).fit(train)
    mf_metrics = evaluate(validation_mf, train, test, ks=(10, 20))
    mf = ImplicitALS(**params).fit(matrix)
    stages["MF (validation fit, validation, full fit)"] = time.perf_counter() - started
    started = time.perf_counter()
    counts = np.diff(matrix.positives.tocsc().indptr)
    has_text = np.linalg.norm(embeddings, axis=1) > 0
    x, y = adapter_training_set(mf.item_factors, counts, embeddings, has_text)
    adapter = TextAdapter().fit(x, y, seed=seed)
    stages["adapter"] = time.perf_counter() - started
    started = time.perf_counter()
    mf_params = {name: value for name, value in params.items() if name != "seed"}
    hybrid_params, hybrid_search = hybrid_params_search(
        train, embeddings, params=mf_params, deadline=deadline
    )
    stages["hybrid search (same deadline)"] = time.perf_counter() - started
    started = time.perf_counter()
    hybrid, metrics = train_over_mf(
        embeddings,
        train=train,
        test=test,
        validation_mf=validation_mf,
        matrix=matrix,
        mf=mf,
        adapter=adapter,
        seed=seed,
        **hybrid_params,
    )
    stages["hybrid (weights, validation, refit over MF)"] = time.perf_counter() - started
    stages["LM (train_lm budget, not re-run)"] = settings.RECSITE_LM_TIME_BUDGET_SECONDS
    started = time.perf_counter()
    per_reader = []
    for user in range(matrix.shape[0]):
        begun = time.perf_counter()
        columns, weights = history(matrix, user)
        scores = hybrid.reader_scores(columns, weights, matrix.seen(user))
        scores[matrix.seen(user)] = -np.inf
        top_n(scores, LIST_LENGTH)
        per_reader.append(time.perf_counter() - begun)
    stages[f"list refresh ({matrix.shape[0]} readers, scoring + top {LIST_LENGTH})"] = (
        time.perf_counter() - started
    )
    milliseconds = 1000 * np.array(per_reader)
    total = sum(stages.values())
    result = {
        "mf_params": params,
        "validation": {
            "mf_ndcg@10": mf_metrics["ndcg@10"],
            "hybrid_ndcg@10": metrics["ndcg@10"],
            "mf_recall@20": mf_metrics["recall@20"],
            "hybrid_recall@20": metrics["recall@20"],
            "hybrid_activates": metrics["ndcg@10"] > mf_metrics["ndcg@10"],
        },
        "weights": hybrid.params["weights"],
        "search": {"mf": mf_search, "hybrid": hybrid_search},
        "stage_seconds": {name: round(value, 1) for name, value in stages.items()},
        "total_seconds": round(total, 1),
        "bar_seconds": PIPELINE_BAR_SECONDS,
        "bar_met": total <= PIPELINE_BAR_SECONDS,
        "reader_scoring_ms": {
            "p50": round(float(np.percentile(milliseconds, 50)), 2),
            "p99": round(float(np.percentile(milliseconds, 99)), 2),
            "readers": len(milliseconds),
            "articles": matrix.shape[1],
        },
    }
    print(f"\npipeline ({params['factors']} factors):")
    for name, value in result["stage_seconds"].items():
        print(f"  {name:60s}{value:8.1f} s")
    print(f"  {'total (bar ' + str(PIPELINE_BAR_SECONDS) + ' s)':60s}{total:8.1f} s")
    print(f"  validation NDCG@10: MF {mf_metrics['ndcg@10']:.4f}, hybrid {metrics['ndcg@10']:.4f}")
    print(f"  one reader's hybrid scoring: {result['reader_scoring_ms']}")
    return result


def _settings():
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings.base")
    django.setup()
    from django.conf import settings

    return settings


class _Tuned:
    """Fits the searched hybrid (module docstring) in ``_run``; keeps its search record."""

    def __init__(self, embeddings, args) -> None:
        self.embeddings, self.args, self.search, self.params = embeddings, args, {}, {}

    def __call__(self, train):
        settings = _settings()
        pinned = {"factors": self.args.hybrid_factors} if self.args.hybrid_factors else {}
        model, self.search = tuned_hybrid(
            train,
            self.embeddings,
            params=dict(settings.RECSITE_MF_PARAMS) | {"threads": self.args.threads},
            pinned=pinned,
            mf_budget=Budget(trials=settings.RECSITE_MF_SEARCH_TRIALS),
            hybrid_budget=Budget(trials=settings.RECSITE_HYBRID_SEARCH_TRIALS),
            seed=self.args.seed,
        )
        self.params = _chosen(model.params)
        print(f"  chosen: {self.params}", flush=True)
        return model, model.train_seconds


def _chosen(params: dict) -> dict:
    return {name: value for name, value in params.items() if name != "weights"}


def _hybrid_run(name, tuned, train, test, candidates=None) -> dict:
    started = time.perf_counter()
    result = _run(name, lambda: tuned(train), train, test, candidates)
    result["train_seconds"] = round(time.perf_counter() - started, 2)  # the search included
    result["search"], result["params"] = tuned.search, tuned.params
    return result


def _peers(args, matrix, embeddings) -> dict:
    mf = {
        "regularization": args.regularization,
        "alpha": args.alpha,
        "iterations": args.iterations,
        "threads": args.threads,
        "seed": args.seed,
    }

    def ours(model):
        return lambda: (model.fit(train), model.train_seconds)

    warm, cold = {}, {}
    train, test = warm_split(matrix, seed=args.seed)
    _header(f"warm split (seed {args.seed}): {train.positives.nnz} train interactions")
    warm.update(_implicit_runs(args, train, test))
    if args.hybrid_factors:
        # Outside the bar: ALS at the hybrid's pinned factor count, both libraries, so the table
        # shows how much of the gain is the blend and how much the larger MF base.
        extra = f"implicit_als_{args.hybrid_factors}_not_in_bar"
        warm[extra] = _run(
            f"implicit {args.hybrid_factors}*",
            lambda: fit_implicit(train, args, factors=args.hybrid_factors),
            train,
            test,
        )
    for factors in dict.fromkeys(f for f in (args.mf_factors, args.hybrid_factors) if f):
        warm[f"mf_{factors}"] = _run(
            f"mf {factors}", ours(ImplicitALS(factors=factors, **mf)), train, test
        )
    warm["content"] = _run("content", ours(ContentRecommender(embeddings)), train, test)
    warm["hybrid"] = _hybrid_run("hybrid", _Tuned(embeddings, args), train, test)

    train, test, cold_items = cold_split(matrix, seed=args.seed)
    _header(f"cold split (seed {args.seed}): {len(cold_items)} unseen articles as candidates")
    cold["content"] = _run("content", ours(ContentRecommender(embeddings)), train, test, cold_items)
    cold["hybrid"] = _hybrid_run("hybrid", _Tuned(embeddings, args), train, test, cold_items)

    best_name = _best_implicit(warm)
    warm_ratio = warm["hybrid"]["ndcg@10"] / warm[best_name]["ndcg@10"]
    cold_ratio = cold["hybrid"]["recall@20"] / cold["content"]["recall@20"]
    bars = {
        f"warm: hybrid ndcg@10 >= {WARM_BAR}x best implicit ({best_name})": warm_ratio >= WARM_BAR,
        f"cold: hybrid recall@20 >= {COLD_BAR}x content": cold_ratio >= COLD_BAR,
    }
    print(f"\nwarm: hybrid / {best_name} NDCG@10 = x{warm_ratio:.4f} (bar x{WARM_BAR})")
    print(f"cold: hybrid / content Recall@20 = x{cold_ratio:.4f} (bar x{COLD_BAR})")
    return {
        "warm": warm,
        "cold": cold,
        "ratios": {
            "warm_ndcg@10_vs_best_implicit": warm_ratio,
            "cold_recall@20_vs_content": cold_ratio,
        },
        "bars_met": bars,
        "hybrid_params": {
            "warm": warm["hybrid"]["params"],
            "cold": cold["hybrid"]["params"],
        },
    }


def _implicit_runs(args, train, test) -> dict:
    return {
        f"implicit_als_{factors}": _run(
            f"implicit {factors}",
            lambda f=factors: fit_implicit(train, args, factors=f),
            train,
            test,
        )
        for factors in (128, 256, 400)
    }


def _best_implicit(runs: dict) -> str:
    in_bar = [f"implicit_als_{factors}" for factors in (128, 256, 400)]
    return max(in_bar, key=lambda name: runs[name]["ndcg@10"])


def _movielens(args) -> dict | None:
    """MovieLens 100K, warm split: implicit at 128 / 256 / 400 and the searched hybrid."""
    path = args.data / "ml-100k"
    if not (path / "u.data").is_file():
        print(f"ml-100k not found at {path}: MovieLens not measured.")
        return None
    dataset = read_movielens(path)
    embeddings = text_embeddings(dataset.articles, args.cache_dir)
    train, test = warm_split(dataset.matrix(), seed=args.seed)
    _header(f"MovieLens 100K warm split (seed {args.seed}): {train.positives.nnz} train")
    runs = _implicit_runs(args, train, test)
    runs["hybrid"] = _hybrid_run("hybrid", _Tuned(embeddings, args), train, test)
    best_name = _best_implicit(runs)
    ratio = runs["hybrid"]["ndcg@10"] / runs[best_name]["ndcg@10"]
    print(f"\nMovieLens: hybrid / {best_name} NDCG@10 = x{ratio:.4f} (bar x{MOVIELENS_BAR})")
    return {
        "warm": runs,
        "ratio_ndcg@10_vs_best_implicit": ratio,
        "hybrid_params": runs["hybrid"]["params"],
        "bar_met": ratio >= MOVIELENS_BAR,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache-dir", type=Path, default=ROOT / "var" / "cache" / "embeddings")
    parser.add_argument("--mf-factors", type=int, default=256)
    parser.add_argument("--hybrid-factors", type=int, help="pin the hybrid's MF factors")
    als_options(parser)
    parser.add_argument(
        "--only",
        choices=("peers", "movielens", "pipeline"),
        help="run one part; the others stay as stored",
    )
    data_option(parser)
    args = parser.parse_args()
    if (data := citeulike(args.data)) is None:
        return 0
    load_before = os.getloadavg()
    report = json.loads(RESULT.read_text()) if args.only and RESULT.exists() else {}
    if args.only in (None, "movielens"):
        report["movielens"] = _movielens(args)
    if args.only != "movielens":
        dataset = read_citeulike(data)
        started = time.perf_counter()
        embeddings = text_embeddings(dataset.articles, args.cache_dir)
        embeddings_seconds = time.perf_counter() - started
        matrix = dataset.matrix()
    if args.only in (None, "peers"):
        report.update(_peers(args, matrix, embeddings))
    if args.only in (None, "pipeline"):
        report["pipeline"] = _pipeline(args, matrix, embeddings, embeddings_seconds)
    bars = dict(report.get("bars_met", {}))
    if "pipeline" in report:
        bars[f"pipeline <= {PIPELINE_BAR_SECONDS} s"] = report["pipeline"]["bar_met"]
    if report.get("movielens"):
        bars[f"MovieLens: hybrid ndcg@10 >= {MOVIELENS_BAR}x best implicit"] = report["movielens"][
            "bar_met"
        ]
    for bar, met in bars.items():
        print(f"  {'ok    ' if met else 'MISSED'} {bar}")
    report.update(
        {
            "benchmark": "hybrid_vs_peers",
            "dataset": "citeulike-a",
            "params": {k: v for k, v in vars(args).items() if k != "data"}
            | {"cache_dir": str(args.cache_dir)},
            "machine": {
                "cpus": os.cpu_count(),
                "load_average_before": load_before,
                "load_average_after": os.getloadavg(),
            },
        }
    )
    report.pop("pipeline_timing", None)
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
