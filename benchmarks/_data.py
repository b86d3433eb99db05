"""Where the benchmarks find the real data sets: ``--data DIR``, a directory that holds
``citeulike-a/`` (and ``ml-100k/``), by default the environment variable RECSITE_DATA_DIR.
The data sets are never copied into the repository."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

# Where the development machines keep the data sets, beside the repository, when neither the
# option nor the environment variable says otherwise.
FALLBACK = Path(__file__).resolve().parents[2] / "shared" / "data"


def data_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--data DIR`` to a benchmark's options."""
    parser.add_argument(
        "--data",
        type=Path,
        metavar="DIR",
        default=Path(os.environ.get("RECSITE_DATA_DIR") or FALLBACK),
        help="directory of the data sets, holding citeulike-a/ (default: $RECSITE_DATA_DIR)",
    )


def citeulike(data: Path) -> Path | None:
    """citeulike-a's directory under ``data``, or None, after saying so, when it is absent."""
    path = data / "citeulike-a"
    if (path / "users.dat").is_file():
        return path
    print(f"citeulike-a not found at {path} (set --data or RECSITE_DATA_DIR): nothing measured.")
    return None


def text_embeddings(articles, cache_dir: Path):
    """float32 (n, d) unit text embeddings of a data set's ``articles`` (title + summary, as the
    platform embeds them) from the EmbeddingCache in ``cache_dir``, encoding what it lacks."""
    from recommender.ml.text import EmbeddingCache, article_text, get_encoder

    encoder = get_encoder(None)
    texts = [article_text(article["title"], article["summary"]) for article in articles]
    vectors, encoded = EmbeddingCache(cache_dir, encoder.id).embed(texts, encoder.encode)
    print(f"embeddings: {encoded} of {len(texts)} texts encoded, the rest from the cache")
    return vectors
