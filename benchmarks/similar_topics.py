"""Benchmark (issue 14): do "more like this" lists follow meaning or title wording? Measured on
the demo catalogue (what ``make demo`` loads), with no database.

For every article, its 5 most similar articles by the served blend (recommender.ml.similar:
text cosine of title + summary embeddings, co-reading, topic agreement); the figure is the
share of those pairs that share a topic, and the share that share a title template ("The hidden
costs of ...") but no topic. Co-reading is the cosine of the item factors of an MF model trained
with the served hyper-parameters on the demo's behaviour (the path after ``make demo``), and,
as the served fallback without a model, the cosine of the two readerships.

The topic weight (RECSITE_SIMILAR_TOPIC_WEIGHT) is chosen on a validation half of the articles
(seeded shuffle): the smallest weight of the grid whose validation share is within TOLERANCE
of the grid's best, so that topics only keep other topics' template twins out and text and
co-reading still order the articles of one topic. The other half reports, once: the baseline
is the blend without topics (weight 0, the served score before issue 14), measured in the same
run on the same catalogue, embeddings and model.

    .venv/bin/python benchmarks/similar_topics.py [--threads N] [--cache-dir DIR]

Writes benchmarks/results/similar_topics.json; exits 1 when the chosen weight's test share is
below the baseline's or below the bar.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "similar_topics.json"
sys.path.insert(0, str(ROOT))

from articles.demo.generator import build_catalogue  # noqa: E402
from articles.demo.vocabulary import TOPICS  # noqa: E402
from recommender.ml.content import normalize_rows  # noqa: E402
from recommender.ml.data import build_interaction_matrix  # noqa: E402
from recommender.ml.mf import ImplicitALS  # noqa: E402
from recommender.ml.similar import similar_score, topic_agreement  # noqa: E402
from recommender.ml.text import EmbeddingCache, article_text, get_encoder  # noqa: E402
from recsite.settings.features import (  # noqa: E402
    RECSITE_EVENT_WEIGHTS,
    RECSITE_MF_PARAMS,
    RECSITE_SIMILAR_COREAD_WEIGHT,
    RECSITE_SIMILAR_TOPIC_WEIGHT,
    RECSITE_WEIGHT_CAP,
)

K = 5
GRID = (0.0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3)
TOLERANCE = 0.005
BAR_SHARE = 0.95  # of top-5 pairs sharing a topic, on the test half
SEED = 0
# "Close in subject to ...": the text cosine the feed's explanation requires
# (recommender.explaining.evidence.SIMILAR_TEXT_MIN).
CLOSE_IN_SUBJECT = 0.5


def title_template(title: str) -> str:
    """The title with its subject and context replaced: "the hidden costs of {}"."""
    template = title.lower()
    for topic in TOPICS:
        for phrase in (*topic.subjects, *topic.contexts):
            template = template.replace(phrase.lower(), "{}")
    return template


def top_k(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """int (len(rows), K): each row's K best columns, itself excluded."""
    scores = scores[rows].copy()
    scores[np.arange(len(rows)), rows] = -np.inf
    return np.argsort(-scores, axis=1, kind="stable")[:, :K]


def shares(scores: np.ndarray, rows: np.ndarray, agreement: np.ndarray, same_template) -> dict:
    top = top_k(scores, rows)
    pairs = [(row, col) for row, cols in zip(rows, top, strict=True) for col in cols]
    shared = [agreement[row, col] > 0 for row, col in pairs]
    twins = [same_template[row, col] and agreement[row, col] == 0 for row, col in pairs]
    return {
        "topic_share": round(float(np.mean(shared)), 4),
        "template_twins_other_topic": round(float(np.mean(twins)), 4),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, help="torch threads (default: all cores)")
    parser.add_argument("--cache-dir", type=Path, help="embedding cache (default: temporary)")
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = time.perf_counter()
    catalogue = build_catalogue()
    articles = catalogue.articles
    n = len(articles)
    encoder = get_encoder(threads=args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        cache = EmbeddingCache(args.cache_dir or Path(tmp), encoder.id)
        vectors, _ = cache.embed(
            [article_text(a.title, a.summary) for a in articles], encoder.encode
        )
    text = vectors @ vectors.T
    matrix = build_interaction_matrix(
        ((e.username, e.article, e.event, None, None) for e in catalogue.events),
        weights=RECSITE_EVENT_WEIGHTS,
        cap=RECSITE_WEIGHT_CAP,
        item_ids=[a.number for a in articles],
    )
    mf = ImplicitALS(**RECSITE_MF_PARAMS, threads=args.threads).fit(matrix)
    factors = normalize_rows(mf.item_factors)
    read = (matrix.positives > 0).astype(np.float32).T.tocsr()
    readers = np.asarray(read.sum(axis=1)).ravel()
    cooccurrence = (read @ read.T).toarray() / np.sqrt(np.maximum(np.outer(readers, readers), 1))
    coread = {"mf": factors @ factors.T, "readerships": cooccurrence}
    agreement = np.array(
        [[topic_agreement(a.topics, b.topics) for b in articles] for a in articles]
    )
    templates = [title_template(a.title) for a in articles]
    same_template = np.array([[t == u for u in templates] for t in templates])

    order = np.random.default_rng(SEED).permutation(n)
    validation, test = np.sort(order[: n // 2]), np.sort(order[n // 2 :])

    def blend(weight: float, co: np.ndarray) -> np.ndarray:
        return similar_score(
            text=text,
            coread=co,
            topics=agreement,
            coread_weight=RECSITE_SIMILAR_COREAD_WEIGHT,
            topic_weight=weight,
        )

    grid = {
        weight: shares(blend(weight, coread["mf"]), validation, agreement, same_template)
        for weight in GRID
    }
    best = max(figures["topic_share"] for figures in grid.values())
    chosen = min(w for w, figures in grid.items() if figures["topic_share"] >= best - TOLERANCE)
    report = {
        name: {
            "baseline_without_topics": shares(blend(0.0, co), test, agreement, same_template),
            "with_topics": shares(blend(chosen, co), test, agreement, same_template),
        }
        for name, co in coread.items()
    }
    report["text_only"] = shares(text, test, agreement, same_template)
    close = np.triu(text >= CLOSE_IN_SUBJECT, k=1)
    served = report["mf"]
    result = {
        "benchmark": "similar_topics",
        "articles": n,
        "readers": len(catalogue.readers),
        "events": len(catalogue.events),
        "articles_with_two_topics": sum(len(a.topics) == 2 for a in articles),
        "k": K,
        "encoder": encoder.id,
        "mf_params": RECSITE_MF_PARAMS,
        "coread_weight": RECSITE_SIMILAR_COREAD_WEIGHT,
        "validation": {
            "articles": len(validation),
            "grid": {str(w): figures for w, figures in grid.items()},
            "rule": f"smallest topic weight within {TOLERANCE} of the best validation share",
            "chosen_topic_weight": chosen,
            "configured_topic_weight": RECSITE_SIMILAR_TOPIC_WEIGHT,
        },
        "test": {"articles": len(test), **report},
        # Pairs the feed's "Close in subject to ..." may cite: how many share a topic.
        "close_in_subject_pairs": int(close.sum()),
        "close_in_subject_sharing_a_topic": round(float(agreement[close].astype(bool).mean()), 4),
        "bar_topic_share": BAR_SHARE,
        "passed": (
            served["with_topics"]["topic_share"] >= served["baseline_without_topics"]["topic_share"]
            and served["with_topics"]["topic_share"] >= BAR_SHARE
        ),
        "seconds": round(time.perf_counter() - started, 1),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in load_before],
            "load_average_after": [round(x, 2) for x in os.getloadavg()],
        },
    }
    RESULT.parent.mkdir(parents=True, exist_ok=True)
    RESULT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    for name in ("mf", "readerships"):
        before, after = report[name]["baseline_without_topics"], report[name]["with_topics"]
        print(
            f"co-reading by {name}: top-{K} pairs sharing a topic {before['topic_share']:.3f} "
            f"-> {after['topic_share']:.3f}; other-topic template twins "
            f"{before['template_twins_other_topic']:.4f} -> "
            f"{after['template_twins_other_topic']:.4f} (topic weight {chosen})"
        )
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
