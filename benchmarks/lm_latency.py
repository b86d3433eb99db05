"""LM figures of issue 4: generation latency for POST /api/recommend/ (top_n=5) on this machine,
and the LM alone's Recall@20 / NDCG@10 on the citeulike-a warm split.

What is timed is the inference worker's work per request, in-process: the reader's prompt from
their history, the candidate view of the trie (all 16,980 citeulike-a titles minus the reader's
articles) and the constrained beam search (num_beams = top_n = 5, one torch thread, as
settings.RECSITE_LM_NUM_BEAMS / RECSITE_LM_THREADS configure the worker). The HTTP path adds
the Celery round trip through Redis and two small SQL queries (history, seen articles), a few
milliseconds; the first request of a worker also loads the model and builds the trie (reported
as ``first_request_ms``).

Training speed is measured first, in the same process: ``--speed-steps`` optimizer steps on the
warm split's histories with the default model and with the previous default (dropout 0.1, which
``transformers``' GPT-2 config turns on); ``score_seconds`` is what the hybrid's ``lm_scorer``
costs per reader (``score_history`` of 50 candidates after the reader's history).

The model is trained on the warm split (seed 0) of citeulike-a within ``--time-budget`` seconds
(``--params`` overrides LMRecommender's defaults, e.g. '{"max_title_tokens": 32}') and kept in
``--model-dir``; a later run loads it from there instead of training. The same model is then
evaluated exactly as ``evaluate_offline --model lm --max-users N`` does (generated top 20 among
all unread articles, ``metrics.evaluate``) on a seeded sample of ``--evaluate-users`` test users,
next to the ``popular`` model on the same users (and ``content`` with ``--cache-dir``, the text
embedding cache). ``--cold-users N`` also trains a model on the cold split (10% of the articles
held out whole, seed 0) within the same budget, kept in ``--cold-model-dir`` like the warm one,
and evaluates it like ``evaluate_offline --model lm --candidates`` on N seeded users. Results of
other evaluate_offline runs can be attached with ``--attach NAME=FILE.json``.

    .venv/bin/python benchmarks/lm_latency.py [--time-budget 300] [--requests 100]
        [--model-dir DIR] [--cold-model-dir DIR] [--params JSON] [--cache-dir DIR]
        [--evaluate-users 200] [--cold-users 200] [--attach NAME=FILE.json]

Writes benchmarks/results/lm.json; exits 1 when p50 > 500 ms, 2 when the data is missing.
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
sys.path.insert(0, str(ROOT))

from recommender.ml.lm.evaluation import GenerativeRanking  # noqa: E402
from recommender.ml.lm.offline import users_sample  # noqa: E402
from recommender.ml.lm.recommender import LMRecommender  # noqa: E402

from benchmarks._data import citeulike, data_option  # noqa: E402
from benchmarks.hybrid_vs_peers import _embeddings  # noqa: E402
from recommender.ml.content import ContentRecommender  # noqa: E402
from recommender.ml.datasets import read_citeulike  # noqa: E402
from recommender.ml.metrics import evaluate  # noqa: E402
from recommender.ml.popular import PopularityRecommender  # noqa: E402
from recommender.ml.splits import cold_split, warm_split  # noqa: E402

RESULT = ROOT / "benchmarks" / "results" / "lm.json"
P50_BAR_MS = 500.0
# The hybrid asks the LM about its shortlist of about this many candidates per reader.
SCORED_CANDIDATES = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_option(parser)
    parser.add_argument("--time-budget", type=float, default=300.0)
    parser.add_argument("--model-dir", type=Path, default=ROOT / "var" / "bench" / "lm-citeulike")
    parser.add_argument(
        "--cold-model-dir", type=Path, default=ROOT / "var" / "bench" / "lm-citeulike-cold"
    )
    parser.add_argument("--params", type=json.loads, default={}, metavar="JSON")
    parser.add_argument("--cache-dir", type=Path, help="text embeddings: also measure content")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--top-n", type=int, default=5)
    parser.add_argument("--num-beams", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--evaluate-users", type=int, default=200)
    parser.add_argument("--cold-users", type=int, default=0)
    parser.add_argument("--speed-steps", type=int, default=40)
    parser.add_argument("--attach", action="append", default=[], metavar="NAME=FILE")
    parser.add_argument("--out", type=Path, default=RESULT)
    args = parser.parse_args()
    if (data := citeulike(args.data)) is None:
        return 2

    dataset = read_citeulike(data)
    titles = [article["title"] for article in dataset.articles]
    matrix = dataset.matrix()
    train, test = warm_split(matrix, seed=0)

    result = {"machine": f"{os.cpu_count()} cores"}
    if args.speed_steps:
        result["training_speed"] = training_speed(train, titles, args.speed_steps)
        print(json.dumps(result["training_speed"], indent=2), flush=True)

    model = trained(args.model_dir, train, titles, args)
    embeddings = _embeddings(dataset.articles, args.cache_dir) if args.cache_dir else None

    started = time.perf_counter()
    _ = model.trie  # built once per worker process (and again when the catalogue changes)
    trie_ms = 1000 * (time.perf_counter() - started)
    rng = np.random.default_rng(0)
    users = rng.choice(train.shape[0], args.requests + 1, replace=False)
    latencies = []
    for number, user in enumerate(users):
        started = time.perf_counter()
        prompt = model.history_prompt(model.user_history(int(user), train))
        unread = np.setdiff1d(np.arange(train.shape[1]), train.seen(int(user)))
        [found] = model.generate([prompt], [unread], n=args.top_n, num_beams=args.num_beams)
        elapsed = 1000 * (time.perf_counter() - started)
        assert sum(len(generated.keys) for generated in found) == args.top_n
        if number:  # the first request warms torch up; reported separately
            latencies.append(elapsed)
        else:
            first_ms = elapsed + trie_ms

    result.update(
        model=model.params,
        train_stats=None if model.train_stats is None else model.train_stats.__dict__,
        latency={
            "what": "in-process generation per request: prompt + candidate trie view + "
            f"beam search, top_n={args.top_n}, num_beams={args.num_beams}, "
            f"torch threads={args.threads}, 16,980 candidate titles minus the reader's",
            "requests": len(latencies),
            "p50_ms": round(float(np.percentile(latencies, 50)), 1),
            "p99_ms": round(float(np.percentile(latencies, 99)), 1),
            "mean_ms": round(float(np.mean(latencies)), 1),
            "first_request_ms": round(first_ms, 1),
            "bar_p50_ms": P50_BAR_MS,
        },
        lm_scorer=scoring_cost(model, train, users[1:]),
    )
    print(json.dumps(result["latency"], indent=2), flush=True)
    if args.evaluate_users:
        result["offline_warm"] = offline(
            model, train, test, args.evaluate_users, "warm", embeddings=embeddings
        )
        print(json.dumps(result["offline_warm"], indent=2), flush=True)
    if args.cold_users:
        cold_train, cold_test, cold_items = cold_split(matrix, seed=0)
        cold_model = trained(args.cold_model_dir, cold_train, titles, args)
        result["offline_cold"] = {
            **offline(
                cold_model,
                cold_train,
                cold_test,
                args.cold_users,
                "cold",
                cold_items,
                embeddings=embeddings,
            ),
            "train_stats": cold_model.train_stats.__dict__,
        }
        print(json.dumps(result["offline_cold"], indent=2), flush=True)
    for attached in args.attach:
        name, _, path = attached.partition("=")
        result[f"offline_{name}"] = json.loads(Path(path).read_text(encoding="utf-8"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["latency"]["p50_ms"] <= P50_BAR_MS else 1


def trained(model_dir: Path, train, titles: list[str], args) -> LMRecommender:
    """The model kept in ``model_dir`` (it must have ``args.params``), else one trained on
    ``train`` within ``args.time_budget`` seconds and kept there."""
    if (model_dir / "params.json").is_file():
        model = LMRecommender.load(model_dir, threads=args.threads)
        if any(model.params[key] != value for key, value in args.params.items()):
            sys.exit(f"{model_dir} holds a model with other params than {args.params}")
        print(f"model loaded from {model_dir}")
        return model
    print(f"training into {model_dir} for {args.time_budget:.0f} s ...", flush=True)
    model = LMRecommender(time_budget_s=args.time_budget, seed=0, **args.params)
    model.fit(train, titles=titles)
    model_dir.mkdir(parents=True)
    model.save(model_dir)
    model.threads = args.threads
    return model


def training_speed(train, titles: list[str], steps: int) -> dict:
    """Seconds per optimizer step of the default model, and of the previous default (dropout
    0.1), on the same histories; the first steps (allocation) are not counted."""
    warmup = 3
    result = {"steps": steps - warmup}
    for name, params in (("before", {"dropout": 0.1}), ("after", {})):
        moments: list[float] = []

        def tick(_, moments=moments) -> None:
            moments.append(time.perf_counter())

        model = LMRecommender(max_steps=steps, time_budget_s=600.0, seed=0, **params)
        model.fit(train, titles=titles, callback=tick)
        seconds = float(np.median(np.diff(moments[warmup - 1 :])))
        result[name] = {
            **params,
            "seconds_per_step": round(seconds, 4),
            "steps_per_second": round(1 / seconds, 2),
        }
    return result


def scoring_cost(model: LMRecommender, train, users: np.ndarray) -> dict:
    """What ``score_history`` (the hybrid's lm_scorer) costs per reader for a shortlist."""
    rng = np.random.default_rng(1)
    seconds = []
    for user in users:
        history = model.user_history(int(user), train)
        unread = np.setdiff1d(np.arange(train.shape[1]), history)
        shortlist = rng.choice(unread, SCORED_CANDIDATES, replace=False)
        started = time.perf_counter()
        model.score_history(history, shortlist)
        seconds.append(time.perf_counter() - started)
    return {
        "candidates": SCORED_CANDIDATES,
        "readers": len(seconds),
        "p50_ms": round(1000 * float(np.percentile(seconds, 50)), 1),
        "mean_ms": round(1000 * float(np.mean(seconds)), 1),
    }


def offline(
    model: LMRecommender, train, test, users: int, split: str, candidates=None, *, embeddings=None
) -> dict:
    """The LM's generated top 20 on ``users`` seeded test users, and for context ``popular``
    (and ``content`` when ``embeddings`` are given) on the same users."""
    started = time.perf_counter()
    sample = users_sample(test, max_users=users, seed=0)
    ranking = GenerativeRanking(model, k=20, candidates=candidates)
    metrics = evaluate(ranking, train, sample, ks=(10, 20), candidates=candidates)
    seconds = round(time.perf_counter() - started, 1)
    peers = [PopularityRecommender()]
    if embeddings is not None:
        peers.append(ContentRecommender(embeddings))
    return {
        "model": "lm",
        **metrics,
        "evaluate_seconds": seconds,
        **{
            f"{peer.name}_same_users": evaluate(
                peer.fit(train), train, sample, ks=(10, 20), candidates=candidates
            )
            for peer in peers
        },
        "note": f"citeulike-a {split} split (seed 0); users_evaluated is a seeded sample",
    }


if __name__ == "__main__":
    sys.exit(main())
