"""Benchmark 1 (issue 3): our ImplicitALS against the `implicit` library's CPU ALS.

Both train in one run on the citeulike-a warm split (recommender.ml.splits, seed 0) with the
same raw weight matrix, factors, regularisation, alpha, iterations and thread count, and are
scored by the same full-ranking metrics. Bars: our NDCG@10 >= implicit's and our training time <= 2x
implicit's. Training runs are interleaved (implicit, ours, implicit, ours, ...) and the fastest
of each is compared, so a burst of load on a shared machine hits both alike.

Also reports the serving-time fold-in latency (one user's vector from their interactions, numpy
only) at 64, 128 and 256 factors over the 16,980-article catalogue.

    .venv/bin/python benchmarks/mf_vs_implicit.py [--repeats 3] [--factors 256] ...
        [--only same-settings|tuned]

Tuned (issue 13): what ``evaluate_offline --model mf`` trains with no flags — settings searched
on validation data carved from the training split alone (recommender.ml.search, the
RECSITE_MF_SEARCH_TRIALS trials from RECSITE_MF_PARAMS; no deadline, so that the search is the
same whatever the machine's load), refitted on the whole training split — against implicit at
256 factors, measured in the same run on the test split. Bar: NDCG@10 >= implicit's.

Writes benchmarks/results/mf_vs_implicit.json (with --only, the other part stays as stored);
exits 1 when a bar is missed, 0 otherwise (also when the data set is absent).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "mf_vs_implicit.json"
sys.path.insert(0, str(ROOT))

from benchmarks._data import citeulike, data_option  # noqa: E402
from benchmarks._implicit import als_options, fit_implicit  # noqa: E402
from recommender.ml.datasets import read_citeulike  # noqa: E402
from recommender.ml.metrics import evaluate  # noqa: E402
from recommender.ml.mf import ImplicitALS  # noqa: E402
from recommender.ml.search import Budget, tuned_mf  # noqa: E402
from recommender.ml.splits import warm_split  # noqa: E402

FOLD_IN_INTERACTIONS = 50


def _fit_implicit(train, args):
    return fit_implicit(train, args, factors=args.factors)


def _fit_ours(train, args):
    model = ImplicitALS(
        factors=args.factors,
        regularization=args.regularization,
        alpha=args.alpha,
        iterations=args.iterations,
        threads=args.threads,
        seed=args.seed,
    )
    model.fit(train)
    return model, model.train_seconds


def _median_us(function, repeats: int = 2000) -> float:
    function()
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        timings.append(time.perf_counter() - started)
    return float(np.median(timings) * 1e6)


def _fold_in_latency(model: ImplicitALS, train) -> dict:
    """Median fold-in time in microseconds, single-threaded BLAS as in a web worker."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    items = rng.choice(train.shape[1], FOLD_IN_INTERACTIONS, replace=False)
    weights = np.full(FOLD_IN_INTERACTIONS, 2.0, dtype=np.float32)
    result = {}
    with threadpool_limits(1):
        for factors in (64, 128, model.factors):
            # Latency depends on shapes only: the leading columns of the trained factors stand
            # in for a smaller model.
            sized = ImplicitALS(factors=factors, regularization=model.regularization)
            sized.item_factors = np.ascontiguousarray(model.item_factors[:, :factors])
            sized.regularized_inverse  # noqa: B018 - computed once per process, not per request
            result[f"k{FOLD_IN_INTERACTIONS}_f{factors}_us"] = _median_us(
                lambda sized=sized: sized.fold_in(items, weights)
            )
        # Real users: their own training interactions, at the trained model's size.
        users = rng.choice(train.shape[0], 200, replace=False)
        rows = [train.positives[user] for user in users]
        timings = []
        for row in rows:
            started = time.perf_counter()
            model.fold_in(row.indices, row.data)
            timings.append(time.perf_counter() - started)
        result[f"real_users_f{model.factors}_us"] = float(np.median(timings) * 1e6)
        vector = model.fold_in(items, weights)
        result[f"scoring_all_items_f{model.factors}_us"] = _median_us(
            lambda: model.scores_for_vector(vector), repeats=300
        )
    return result


def _tuned(train, test, args) -> dict:
    """The tuned MF (module docstring) and implicit at 256 factors, on the same split."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "recsite.settings.base")
    django.setup()
    from django.conf import settings

    started = time.perf_counter()
    model, search = tuned_mf(
        train,
        params=dict(settings.RECSITE_MF_PARAMS) | {"threads": args.threads},
        pinned={},
        budget=Budget(trials=settings.RECSITE_MF_SEARCH_TRIALS),
        seed=args.seed,
    )
    tuned = evaluate(model, train, test) | {
        "params": model.params,
        "search": search["mf"],
        "search_and_fit_seconds": round(time.perf_counter() - started, 1),
    }
    implicit_model, seconds = fit_implicit(train, args, factors=256)
    peer = evaluate(implicit_model, train, test) | {"train_seconds": seconds}
    ratio = tuned["ndcg@10"] / peer["ndcg@10"]
    print(f"tuned mf {model.params}: NDCG@10 {tuned['ndcg@10']:.4f}")
    print(f"implicit 256: NDCG@10 {peer['ndcg@10']:.4f}; tuned / implicit x{ratio:.4f} (bar >= 1)")
    return {
        "mf_tuned": tuned,
        "implicit_256": peer,
        "ratio_ndcg@10": ratio,
        "bar_met": ratio >= 1.0,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--factors", type=int, default=256)
    als_options(parser)
    parser.add_argument("--repeats", type=int, default=3, help="interleaved training runs each")
    parser.add_argument(
        "--only", choices=("same-settings", "tuned"), help="run one part; the other stays as stored"
    )
    data_option(parser)
    args = parser.parse_args()
    if (data := citeulike(args.data)) is None:
        return 0

    load_before = os.getloadavg()
    dataset = read_citeulike(data)
    matrix = dataset.matrix()
    train, test = warm_split(matrix, seed=args.seed)
    print(
        f"citeulike-a warm split (seed {args.seed}): {train.shape[0]} users x {train.shape[1]} "
        f"articles, {train.positives.nnz} train / {test.positives.nnz} test interactions"
    )

    if args.only == "tuned":
        report = json.loads(RESULT.read_text())
        report["tuned"] = _tuned(train, test, args)
        return _write(report)

    times = {"implicit": [], "ours": []}
    models = {}
    for repeat in range(args.repeats):
        for name, fit in (("implicit", _fit_implicit), ("ours", _fit_ours)):
            model, seconds = fit(train, args)
            times[name].append(seconds)
            models.setdefault(name, model)
            print(f"  run {repeat + 1}: {name:8s} trained in {seconds:6.2f} s", flush=True)

    metrics = {
        "ours": evaluate(models["ours"], train, test),
        "implicit": evaluate(models["implicit"], train, test),
    }
    for name in metrics:
        metrics[name]["train_seconds"] = min(times[name])
        metrics[name]["train_seconds_all"] = times[name]
    ndcg_ratio = metrics["ours"]["ndcg@10"] / metrics["implicit"]["ndcg@10"]
    time_ratio = metrics["ours"]["train_seconds"] / metrics["implicit"]["train_seconds"]
    fold_in = _fold_in_latency(models["ours"], train)

    print(f"\n{'':10s}{'NDCG@10':>10s}{'Recall@20':>11s}{'train s':>10s}")
    for name in ("implicit", "ours"):
        result = metrics[name]
        print(
            f"{name:10s}{result['ndcg@10']:10.4f}{result['recall@20']:11.4f}"
            f"{result['train_seconds']:10.2f}"
        )
    ndcg_ok, time_ok = ndcg_ratio >= 1.0, time_ratio <= 2.0
    print(f"ours / implicit: NDCG@10 x{ndcg_ratio:.4f} ({'ok' if ndcg_ok else 'MISSED'}: >= 1)")
    print(f"ours / implicit: train time x{time_ratio:.2f} ({'ok' if time_ok else 'MISSED'}: <= 2)")
    for key, value in fold_in.items():
        print(f"fold-in {key}: {value:.0f}")

    import implicit
    import torch

    RESULT.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "benchmark": "mf_vs_implicit",
        "data": {
            "dataset": "citeulike-a",
            "split": f"warm, seed {args.seed}",
            "users": train.shape[0],
            "articles": train.shape[1],
            "train_interactions": int(train.positives.nnz),
            "test_interactions": int(test.positives.nnz),
        },
        "params": {k: v for k, v in vars(args).items() if k not in ("repeats", "data")},
        "repeats": args.repeats,
        "ours": metrics["ours"],
        "implicit": metrics["implicit"],
        "ratios": {"ndcg@10": ndcg_ratio, "train_seconds": time_ratio},
        "bars_met": {"ndcg@10 >= implicit": ndcg_ok, "train time <= 2x implicit": time_ok},
        "fold_in_median_us": fold_in,
        "machine": {
            "cpus": os.cpu_count(),
            "processor": platform.processor() or platform.machine(),
            "load_average_before": load_before,
            "torch": torch.__version__,
            "implicit": implicit.__version__,
            "numpy": np.__version__,
        },
    }
    if args.only is None:
        report["tuned"] = _tuned(train, test, args)
    elif RESULT.exists() and "tuned" in (stored := json.loads(RESULT.read_text())):
        report["tuned"] = stored["tuned"]
    return _write(report)


def _write(report: dict) -> int:
    bars = dict(report["bars_met"])
    if "tuned" in report:
        bars["tuned mf ndcg@10 >= implicit 256"] = report["tuned"]["bar_met"]
    report["machine"]["load_average_after"] = os.getloadavg()
    RESULT.write_text(json.dumps(report, indent=2, default=str) + "\n", encoding="utf-8")
    print(f"wrote {RESULT.relative_to(ROOT)}")
    return 0 if all(bars.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
