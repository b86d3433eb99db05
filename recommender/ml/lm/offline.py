"""Offline evaluation of the LM alone (``evaluate_offline --model lm``), DESIGN §5.

Training histories are the training split's rows; as the research data sets carry no reading
order, every epoch sees each history in a fresh random order. The ranking of a user is the LM's
generated top K over the candidates (all items, or ``candidates``) minus the user's training
items; generation is costly, so ``max_users`` evaluates a fixed random sample of the test users
(seeded) and the result says how many were evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp

from recommender.ml.data import InteractionMatrix
from recommender.ml.metrics import evaluate

from .evaluation import GenerativeRanking
from .recommender import LMRecommender
from .train import TrainProgress


def users_sample(test: InteractionMatrix, *, max_users: int | None, seed: int) -> InteractionMatrix:
    """``test`` with only ``max_users`` of its users with test items kept (drawn with ``seed``);
    unchanged when there are not more than that."""
    with_items = np.flatnonzero(np.diff(test.positives.indptr))
    if max_users is None or len(with_items) <= max_users:
        return test
    kept = np.zeros(test.shape[0], dtype=np.float32)
    kept[np.random.default_rng(seed).choice(with_items, max_users, replace=False)] = 1.0
    keep = sp.diags(kept)
    return InteractionMatrix(
        positives=(keep @ test.positives).tocsr(),
        negatives=(keep @ test.negatives).tocsr(),
        user_ids=test.user_ids,
        item_ids=test.item_ids,
    )


def evaluate_lm(
    train: InteractionMatrix,
    test: InteractionMatrix,
    titles: Sequence[str],
    *,
    ks: Sequence[int],
    candidates: np.ndarray | None = None,
    max_users: int | None = None,
    seed: int = 0,
    model_params: dict[str, Any] | None = None,
    on_train: Callable[[TrainProgress], None] | None = None,
    on_users: Callable[[int], None] | None = None,
) -> tuple[LMRecommender, dict[str, float]]:
    """Fit an ``LMRecommender(**model_params)`` on ``train`` and measure it on ``test`` (rows
    aligned with ``train``); returns the model and ``metrics.evaluate``'s dict."""
    recommender = LMRecommender(seed=seed, **(model_params or {}))
    recommender.fit(train, titles=titles, callback=on_train)
    sample = users_sample(test, max_users=max_users, seed=seed)
    ranking = GenerativeRanking(recommender, k=max(ks), candidates=candidates, progress=on_users)
    return recommender, evaluate(ranking, train, sample, ks=ks, candidates=candidates)
