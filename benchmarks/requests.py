"""Benchmark (issue 12): recommendations that answer a request, on citeulike-a with tag queries.

Split (recommender.ml.request_fit.request_split, seed 0): warm, per reader 20 % of their
articles held out; each reader's query is the tag (item-tag.dat, among tags used on >= 20
articles) covering most of their held-out articles (>= 2); their test articles are only the
held-out ones carrying it. Two variants of the catalogue: with topics (each article's tags used
on >= 20 articles, as an editor's topics would be) and without topics (title + abstract only).

Measured in this one run, on the same files, for the same seeded sample of readers (--users,
1,000 of the ~4,100 with a query: the machine is shared, 2 cores), by the full-ranking metrics
of recommender.ml.metrics (train items excluded, the whole catalogue ranked):
- (a) the query text alone: MiniLM query embedding . article embedding, train items excluded
  (``evaluate_offline --model content --queries``);
- (b) the reader's personal list ignoring the query: the hybrid, no request
  (``evaluate_offline --model hybrid``);
- the request path (``evaluate_offline --model hybrid --queries``): recommender.ml.request's
  ranking with weights learned on validation data carved from the training data
  (recommender.ml.request_fit.fit_request_model; its practice requests are the articles'
  topics, without topics words of their text, as a site's retrain has them), the function the
  endpoint serves with;
- its explanations (recommender.ml.explain_eval.evaluate_request_explanations) for a seeded
  sample of readers.
Bars: request NDCG@10 >= 1.2x max(a, b) with topics, >= 1.1x without; explanation fidelity
>= 0.9, invalid citations 0. Standard errors by bootstrap over readers.

    .venv/bin/python benchmarks/requests.py [--cache-dir DIR] [--factors 128] [--users 1000]
        [--validation-users 600] [--explain-users 150]

Writes benchmarks/results/requests.json; exits 1 when a bar is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "requests.json"
BARS = {"topics": 1.2, "no_topics": 1.1}
sys.path.insert(0, str(ROOT))

from benchmarks._data import citeulike, data_option, text_embeddings  # noqa: E402
from recommender.ml.base import top_n  # noqa: E402
from recommender.ml.datasets import read_citeulike, read_citeulike_tags  # noqa: E402
from recommender.ml.explain_eval import evaluate_request_explanations  # noqa: E402
from recommender.ml.hybrid import HybridRecommender  # noqa: E402
from recommender.ml.metrics import ndcg_at_k, recall_at_k  # noqa: E402
from recommender.ml.request import RequestModel  # noqa: E402
from recommender.ml.request_fit import (  # noqa: E402
    MIN_TAG_ARTICLES,
    RequestScorer,
    TopicIndex,
    fit_request_model,
    request_split,
    text_tags,
)
from recommender.ml.text import article_text, get_encoder  # noqa: E402

SHOWN = ("ndcg@10", "recall@10", "recall@20", "ndcg@20")
QUERY_ALONE = RequestModel(weights={"query": 1.0})


def _measure(name, model, train, test, users, seed=0, rounds=200) -> dict:
    """Recall/NDCG at 10 and 20 over ``users`` (the metrics of recommender.ml.metrics, per
    reader), with the standard error of NDCG@10 by bootstrap over the readers."""
    started = time.perf_counter()
    per_user = {key: [] for key in SHOWN}
    for user in users.tolist():
        scores = np.array(model.score_users(np.array([user]), train)[0], dtype=np.float32)
        scores[train.seen(user)] = -np.inf
        ranked = top_n(scores, 20)
        relevant = set(test.positives[user].indices.tolist())
        for k in (10, 20):
            per_user[f"ndcg@{k}"].append(ndcg_at_k(ranked, relevant, k))
            per_user[f"recall@{k}"].append(recall_at_k(ranked, relevant, k))
    result = {key: float(np.mean(values)) for key, values in per_user.items()}
    values = np.array(per_user["ndcg@10"])
    rng = np.random.default_rng(seed)
    means = [values[rng.integers(0, len(values), len(values))].mean() for _ in range(rounds)]
    result["ndcg@10_se"] = round(float(np.std(means)), 4)
    result["users_evaluated"] = len(values)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print(f"  {name:28s} " + " ".join(f"{key} {result[key]:.4f}" for key in SHOWN), flush=True)
    return result


def _same_positives(a, b) -> bool:
    x, y = a.positives, b.positives
    return bool(
        x.shape == y.shape
        and np.array_equal(x.indptr, y.indptr)
        and np.array_equal(x.indices, y.indices)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    data_option(parser)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/text_embcache"))
    parser.add_argument("--factors", type=int, default=128, help="the served MF default")
    parser.add_argument("--explain-users", type=int, default=150)
    parser.add_argument(
        "--users", type=int, default=1000, help="readers evaluated (a seeded sample)"
    )
    parser.add_argument(
        "--validation-users", type=int, default=600, help="synthetic validation requests"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    directory = citeulike(args.data)
    if directory is None:
        return 0
    started = time.perf_counter()
    dataset = read_citeulike(directory)
    matrix = dataset.matrix()
    tags = read_citeulike_tags(directory, len(dataset.articles))
    encoder = get_encoder(None)
    embeddings = text_embeddings(dataset.articles, args.cache_dir)
    texts = [article_text(a["title"], a["summary"]) for a in dataset.articles]  # synthetic tags
    train, test, queries = request_split(matrix, tags, seed=args.seed)
    users = np.array(sorted(queries), dtype=np.int64)
    if args.users < len(users):
        sample_rng = np.random.default_rng(args.seed)
        users = np.sort(sample_rng.choice(users, size=args.users, replace=False))
    query_vectors = dict(
        zip(
            sorted(set(queries.values())),
            encoder.encode(sorted(set(queries.values()))),
            strict=True,
        )
    )
    vectors = {user: query_vectors[tag] for user, tag in queries.items()}
    print(
        f"request split: {len(queries)} readers with a query ({len(users)} evaluated), "
        f"{test.positives.nnz} test articles"
    )

    hybrid_params = {"factors": args.factors, "threads": 2, "seed": args.seed}
    fitted_on: list = []

    def fit_hybrid(data):
        # Both variants learn their weights over the same (seeded) validation split: the
        # hybrid is fitted on it once.
        same = fitted_on and _same_positives(fitted_on[0], data)
        if not same:
            fitted_on[:] = [data, HybridRecommender(embeddings, **hybrid_params).fit(data)]
        return fitted_on[1]

    hybrid = HybridRecommender(embeddings, **hybrid_params).fit(train)
    counts = Counter(tag for item_tags in tags for tag in set(item_tags))
    results: dict = {"variants": {}}
    for variant in ("topics", "no_topics"):
        print(variant, flush=True)
        if variant == "topics":
            item_topics = [[t for t in item if counts[t] >= MIN_TAG_ARTICLES] for item in tags]
            topics = TopicIndex(item_topics, encoder.encode)
            synthetic_tags = item_topics
        else:
            topics, synthetic_tags = None, text_tags(texts)
        fit_started = time.perf_counter()
        request_model = fit_request_model(
            train,
            embeddings,
            item_tags=synthetic_tags,
            encode=encoder.encode,
            fit_personal=fit_hybrid,
            topics=topics,
            seed=args.seed,
            max_users=args.validation_users,
        )
        fit_seconds = round(time.perf_counter() - fit_started, 1)
        print(f"  request model {request_model.as_dict()} ({fit_seconds} s)", flush=True)
        query_alone = RequestScorer(QUERY_ALONE, embeddings, None, vectors)
        served = RequestScorer(request_model, embeddings, hybrid, vectors, topics)
        found = {
            "query_alone": _measure("(a) query text alone", query_alone, train, test, users),
            "hybrid_no_query": _measure("(b) hybrid, no query", hybrid, train, test, users),
            "request": _measure("request path", served, train, test, users),
        }
        rng = np.random.default_rng(args.seed)
        sample = np.sort(rng.choice(users, size=min(args.explain_users, len(users)), replace=False))
        found["explanations"] = evaluate_request_explanations(
            served,
            train,
            sample,
            requests=queries,
            encode=encoder.encode,
            titles={a["article_id"]: a["title"] for a in dataset.articles},
        )
        best = max(found["query_alone"]["ndcg@10"], found["hybrid_no_query"]["ndcg@10"])
        ratio = found["request"]["ndcg@10"] / best
        explanations = found["explanations"]
        found["ratio"] = round(ratio, 3)
        found["bars_met"] = {
            f"ndcg@10 >= {BARS[variant]}x max(a, b)": ratio >= BARS[variant],
            "explanation_fidelity >= 0.9": (explanations["explanation_fidelity"] or 0) >= 0.9,
            "invalid_citations == 0": explanations["invalid_citations"] == 0,
        }
        found["request_model"] = request_model.as_dict()
        found["request_fit_seconds"] = fit_seconds
        print(f"  ratio {ratio:.3f}; explanations {explanations}", flush=True)
        results["variants"][variant] = found
    results.update(
        {
            "benchmark": "requests",
            "dataset": "citeulike-a",
            "params": {
                **hybrid_params,
                "explain_users": args.explain_users,
                "validation_users": args.validation_users,
            },
            "split": {
                "readers_with_query": len(queries),
                "readers_evaluated": int(len(users)),
                "test": int(test.positives.nnz),
            },
            "seconds": round(time.perf_counter() - started, 1),
        }
    )
    RESULT.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    met = all(all(v["bars_met"].values()) for v in results["variants"].values())
    print(f"wrote {RESULT}; bars {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
