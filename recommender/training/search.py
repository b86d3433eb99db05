"""Model selection inside a retrain (recommender.ml.search does the work, on data only).

The MF stage searches ImplicitALS settings on its training split (the part its validation
metrics are *not* measured on), starting from settings.RECSITE_MF_PARAMS; the hybrid stage then
searches the hybrid's pool, features and negatives over the chosen MF settings. Both share one
deadline, RECSITE_SEARCH_SECONDS from the start of the MF search; each has its own number of
trials (fits, the machine-independent part of the budget). With at most one trial a search is
skipped: the starting settings are used as they are and nothing is recorded.
"""

import time
from collections.abc import Mapping
from typing import Any

import numpy as np
from django.conf import settings

from recommender.ml.data import InteractionMatrix
from recommender.ml.search import Budget, SearchResult, search_hybrid, search_mf


def search_deadline() -> float:
    """The time.perf_counter() reading after which a retrain's searches start no trial."""
    return time.perf_counter() + settings.RECSITE_SEARCH_SECONDS


def mf_params_search(
    train: InteractionMatrix, *, params: Mapping[str, Any], deadline: float
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(ImplicitALS keyword arguments chosen on ``train`` alone, the search's record or None)."""
    trials = settings.RECSITE_MF_SEARCH_TRIALS
    if trials <= 1:
        return dict(params), None
    result = search_mf(
        train,
        params=params,
        budget=Budget(trials=trials, deadline=deadline),
        seed=settings.RECSITE_VALIDATION_SEED,
    )
    return _chosen(params, result), result.record()


def hybrid_params_search(
    train: InteractionMatrix,
    item_embeddings: np.ndarray,
    *,
    params: Mapping[str, Any],
    deadline: float,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """(HybridRecommender keyword arguments chosen on ``train`` alone, the record or None)."""
    trials = settings.RECSITE_HYBRID_SEARCH_TRIALS
    if trials <= 1:
        return dict(params), None
    result = search_hybrid(
        train,
        item_embeddings,
        params=params,
        budget=Budget(trials=trials, deadline=deadline),
        seed=settings.RECSITE_VALIDATION_SEED,
    )
    return _chosen(params, result), result.record()


def _chosen(params: Mapping[str, Any], result: SearchResult) -> dict[str, Any]:
    return {**params, **result.best.settings}
