"""The served hybrid's features and weight learning: pure numpy, shared by training and serving.

The offline HybridRecommender (recommender.ml.hybrid) blends features that need the whole
interaction matrix (co-reading, text kNN); a web process only has the reader's fold-in vector,
the MF item factors and the embedding index. The served hybrid therefore blends the features
that are cheap for one reader at request time:

- "mf": the fold-in vector's scores (item factors, adapter factors for new articles);
- "content": cosine between the reader's content profile (the unit mean embedding of what they
  read) and each article's embedding;
- "popularity": log(1 + readers in the training data), 0 for articles newer than the model.

Each feature is standardised over the reader's candidates (raw MF scores and cosines vary in
scale from reader to reader, and a linear blend needs comparable numbers); training and serving
both call ``reader_features``, so the weights apply to the numbers they were learned on.
"""

from __future__ import annotations

import numpy as np

from recommender.ml.content import normalize_rows
from recommender.ml.hybrid_features import standardize

FEATURES = ("mf", "content", "popularity")
POOL = 30  # per feature, the top unseen candidates a reader's negatives are drawn from
NEGATIVES = 20  # negatives per held-out positive
POOL_GAP = 1.0  # between the pool's worst blend and the best of the rest


def popularity_of(counts: np.ndarray) -> np.ndarray:
    """float32 (n_items,) log(1 + readers)."""
    return np.log1p(np.asarray(counts, dtype=np.float32))


def content_profile(item_vectors: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """float32 (d,) unit mean of the (unit) embeddings of ``columns``; zero without text."""
    if len(columns) == 0:
        return np.zeros(item_vectors.shape[1], dtype=np.float32)
    return normalize_rows(np.asarray(item_vectors[columns], dtype=np.float32).mean(axis=0))


def reader_features(
    mf_scores: np.ndarray, content_scores: np.ndarray, popularity: np.ndarray
) -> np.ndarray:
    """float32 (len(FEATURES), n): each feature standardised over the reader's n candidates."""
    raw = np.stack([mf_scores, content_scores, popularity]).astype(np.float32)
    raw[~np.isfinite(raw)] = 0.0  # seen items are masked by the caller, after blending
    return standardize(raw)


def blend(features: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """float32 (n,) hybrid scores of features float32 (len(FEATURES), n)."""
    return (np.asarray(weights, dtype=np.float32) @ features).astype(np.float32)


def candidate_pool(features: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Sorted item indices: the union of the top POOL items of each feature, ``seen`` (bool
    (n,)) left out. The blend orders this pool only: learned against the top of each feature,
    its weights say nothing about the rest (scored over the whole catalogue, it learns negative
    popularity and content weights and ranks obscure items first)."""
    open_items = np.flatnonzero(~seen)
    if len(open_items) <= POOL:
        return open_items
    tops = [open_items[np.argpartition(-row[open_items], POOL - 1)[:POOL]] for row in features]
    return np.unique(np.concatenate(tops))


def ranking_scores(features: np.ndarray, weights: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """float32 (n,): the blend, with every item outside the reader's candidate pool shifted
    below the pool's worst (in its own order), so scores stay on the blend's scale for the
    editorial rules that normalise them. Seen items are left for the caller to mask."""
    scores = blend(features, weights)
    in_pool = np.zeros(len(scores), dtype=bool)
    in_pool[candidate_pool(features, seen)] = True
    rest = ~in_pool & ~seen
    if in_pool.any() and rest.any():
        scores[rest] += scores[in_pool].min() - POOL_GAP - scores[rest].max()
    return scores


def pair_differences(
    features: np.ndarray, seen: np.ndarray, positives: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """float32 (pairs, len(FEATURES)): positive minus negative features of one reader, each
    held-out positive inside the candidate pool (``seen`` bool (n,) left out) against NEGATIVES
    other pool items."""
    pool = candidate_pool(features, seen)
    positives = np.intersect1d(positives, pool)
    pool = np.setdiff1d(pool, positives, assume_unique=True)
    if len(pool) == 0 or len(positives) == 0:
        return np.zeros((0, len(FEATURES)), dtype=np.float32)
    chunks = []
    for item in positives:
        negatives = rng.choice(pool, size=NEGATIVES)
        chunks.append(features[:, [item]].T - features[:, negatives].T)
    return np.concatenate(chunks).astype(np.float32)
