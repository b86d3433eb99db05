"""Offline ranking metrics exactly as DESIGN §5: full ranking, binary relevance, train excluded.

For user u with test items T_u: Recall@K = hits in top K / min(K, |T_u|); NDCG@K = DCG@K / ideal
DCG of min(K, |T_u|) hits, gain 1 / log2(rank + 1) (ranks from 1); both averaged over users with
a non-empty T_u. Coverage@K = distinct items in anybody's top K / number of rankable items.
Long tail = every item outside the most popular ones that together hold 80% of the training
interactions; long_tail_share@K = share of all recommended top-K slots that hold long-tail items.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from recommender.ml.base import top_n
from recommender.ml.data import InteractionMatrix

LONG_TAIL_HEAD_SHARE = 0.8


class Scorer(Protocol):
    """What ``evaluate`` ranks with: every Recommender, and wrappers such as the LM's
    ``GenerativeRanking``."""

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray: ...


def _discounts(n: int) -> np.ndarray:
    return 1.0 / np.log2(np.arange(2, n + 2))


def recall_at_k(ranked: np.ndarray, relevant: set[int], k: int) -> float:
    """Hits among ``ranked[:k]`` / min(k, |relevant|); 0.0 when nothing is relevant."""
    if not relevant:
        return 0.0
    hits = sum(1 for item in ranked[:k] if item in relevant)
    return hits / min(k, len(relevant))


def ndcg_at_k(ranked: np.ndarray, relevant: set[int], k: int) -> float:
    """DCG of ``ranked[:k]`` / the DCG of min(k, |relevant|) hits at the top; 0.0 if none."""
    if not relevant:
        return 0.0
    gains = np.array([item in relevant for item in ranked[:k]], dtype=np.float64)
    dcg = float(gains @ _discounts(len(gains))) if len(gains) else 0.0
    ideal = float(_discounts(min(k, len(relevant))).sum())
    return dcg / ideal


def long_tail_items(train: InteractionMatrix) -> np.ndarray:
    """bool (n_items,): True for items outside the head holding 80% of training interactions."""
    counts = np.bincount(train.positives.indices, minlength=train.shape[1])
    total = counts.sum()
    tail = np.ones(len(counts), dtype=bool)
    if total == 0:
        return tail
    order = np.argsort(-counts, kind="stable")
    cumulative = np.cumsum(counts[order])
    head_size = int(np.searchsorted(cumulative, LONG_TAIL_HEAD_SHARE * total)) + 1
    tail[order[:head_size]] = False
    return tail


def evaluate(
    model: Scorer,
    train: InteractionMatrix,
    test: InteractionMatrix,
    *,
    ks: Sequence[int] = (10, 20),
    candidates: np.ndarray | None = None,
    batch_size: int = 1024,
) -> dict[str, float]:
    """Rank for every user with test items and average the metrics over them.

    ``train`` and ``test`` must share rows (users) and columns (items); ``model`` must have been
    fitted on ``train``. Items the user has in train (incl. dislikes) are never ranked and are
    not counted as test items; with ``candidates`` (int64 column indices) only those items are
    ranked and T_u is restricted to them. Users left with an empty T_u are skipped.
    Returns {"recall@K", "ndcg@K", "coverage@K", "long_tail_share@K" for each K,
    "users_evaluated"}.
    """
    if train.shape != test.shape:
        raise ValueError(f"train {train.shape} and test {test.shape} are not aligned")
    ks = sorted(set(ks))
    k_max = ks[-1]
    n_items = train.shape[1]
    rankable = np.ones(n_items, dtype=bool)
    if candidates is not None:
        rankable = np.zeros(n_items, dtype=bool)
        rankable[np.asarray(candidates, dtype=np.int64)] = True
    tail = long_tail_items(train)

    test_sets: dict[int, set[int]] = {}
    indptr, indices = test.positives.indptr, test.positives.indices
    for user in np.flatnonzero(np.diff(indptr)):
        items = indices[indptr[user] : indptr[user + 1]]
        relevant = set(items[rankable[items]].tolist()) - set(train.seen(user).tolist())
        if relevant:
            test_sets[int(user)] = relevant

    users = np.array(sorted(test_sets), dtype=np.int64)
    sums = {f"{name}@{k}": 0.0 for k in ks for name in ("recall", "ndcg", "long_tail_share")}
    slots = dict.fromkeys(ks, 0)
    recommended = {k: np.zeros(n_items, dtype=bool) for k in ks}
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = np.array(model.score_users(batch, train), dtype=np.float32)
        scores[:, ~rankable] = -np.inf
        for row, user in enumerate(batch):
            user_scores = scores[row]
            user_scores[train.seen(user)] = -np.inf
            ranked = top_n(user_scores, k_max)
            relevant = test_sets[int(user)]
            for k in ks:
                top = ranked[:k]
                sums[f"recall@{k}"] += recall_at_k(top, relevant, k)
                sums[f"ndcg@{k}"] += ndcg_at_k(top, relevant, k)
                sums[f"long_tail_share@{k}"] += float(tail[top].sum())
                slots[k] += len(top)
                recommended[k][top] = True

    n_users = len(users)
    result: dict[str, float] = {}
    for k in ks:
        result[f"recall@{k}"] = sums[f"recall@{k}"] / n_users if n_users else 0.0
        result[f"ndcg@{k}"] = sums[f"ndcg@{k}"] / n_users if n_users else 0.0
        result[f"coverage@{k}"] = float(recommended[k].sum() / max(rankable.sum(), 1))
        tail_slots = sums[f"long_tail_share@{k}"]
        result[f"long_tail_share@{k}"] = tail_slots / slots[k] if slots[k] else 0.0
    result["users_evaluated"] = n_users
    return result
