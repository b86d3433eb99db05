"""Benchmark (issue 14): how well the default, English text encoder places Chinese articles.

On the Chinese demo catalogue (``load_demo --language zh-hans``, generated here without a
database) every article's K nearest neighbours by the encoder's cosine similarity (title +
summary, as the platform embeds them) are checked for a topic in common with it. Baselines in the
same run: chance (the share of other articles that share a topic, per article) and the same
encoder on the English demo catalogue, whose articles are built the same way.

    .venv/bin/python benchmarks/encoder_chinese.py [--encoder DIR] [--k 5]

``--encoder`` measures another checkpoint (e.g. a local copy of
paraphrase-multilingual-MiniLM-L12-v2, what RECSITE_TEXT_ENCODER would point at). Writes
benchmarks/results/encoder_chinese.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULT = ROOT / "benchmarks" / "results" / "encoder_chinese.json"
sys.path.insert(0, str(ROOT))

from articles.demo.generator import CHINESE, ENGLISH, DemoLanguage, build_catalogue  # noqa: E402
from recommender.ml.text import article_text, get_encoder  # noqa: E402


def neighbour_topic_agreement(language: DemoLanguage, encoder, k: int) -> dict:
    articles = build_catalogue(language=language).articles
    topics = [set(article.topics) for article in articles]
    vectors = encoder.encode([article_text(a.title, a.summary) for a in articles])
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    neighbours = np.argsort(-similarity, axis=1)[:, :k]
    shares = np.array(
        [[bool(topics[i] & topics[j]) for j in row] for i, row in enumerate(neighbours)]
    )
    chance = np.mean(
        [
            np.mean([bool(topics[i] & topics[j]) for j in range(len(articles)) if j != i])
            for i in range(len(articles))
        ]
    )
    top1, topk = float(shares[:, 0].mean()), float(shares.mean())
    return {
        "articles": len(articles),
        "topics": len(language.topics),
        "chance": round(float(chance), 3),
        "nearest_shares_topic": round(top1, 3),
        f"top{k}_share_topic": round(topk, 3),
        "nearest_vs_chance": round(top1 / float(chance), 2),
        f"top{k}_vs_chance": round(topk / float(chance), 2),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--encoder", default=None, help="a local checkpoint (default: MiniLM)")
    parser.add_argument("--k", type=int, default=5)
    options = parser.parse_args()
    encoder = get_encoder(options.encoder)
    started = time.perf_counter()
    result = {
        "encoder": encoder.id,
        "k": options.k,
        "chinese": neighbour_topic_agreement(CHINESE, encoder, options.k),
        "english_baseline": neighbour_topic_agreement(ENGLISH, encoder, options.k),
        "seconds": None,
        "python": platform.python_version(),
    }
    result["seconds"] = round(time.perf_counter() - started, 1)
    for name in ("chinese", "english_baseline"):
        print(f"{name}: {json.dumps(result[name])}")
    RESULT.write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
