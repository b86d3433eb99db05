"""The approximate nearest-neighbour indexes of a version (MF, hybrid, embedding snapshot),
built by the worker as part of its artifacts (so they are versioned, activated and retired with
it) when the catalogue is large enough for web processes to use them
(settings.RECSITE_ANN_MIN_ARTICLES; recommender.runtime.ann and runtime.embeddings load them)."""

from pathlib import Path

import numpy as np
from django.conf import settings

from recommender.ml.ann import EMBEDDINGS_INDEX, MF_INDEX, InnerProductIndex
from recommender.ml.base import fitted
from recommender.ml.hybrid import HybridRecommender
from recommender.ml.hybrid_ann import HybridANN
from recommender.ml.mf import ImplicitALS


def _large(n_items: int) -> bool:
    return n_items >= settings.RECSITE_ANN_MIN_ARTICLES


def mf_index_write(*, directory: Path, model: ImplicitALS) -> None:
    factors = fitted(model.item_factors)
    if _large(len(factors)):
        InnerProductIndex.build(factors).save(directory, MF_INDEX)


def hybrid_index_write(*, directory: Path, hybrid: HybridRecommender) -> None:
    base = fitted(hybrid.base)
    if _large(len(fitted(base.cold))):
        HybridANN.build(base).save(directory)


def snapshot_index_write(*, directory: Path, vectors: np.ndarray) -> None:
    """The index of an embedding snapshot (content lists and "more like this")."""
    if _large(len(vectors)):
        InnerProductIndex.build(vectors).save(directory, EMBEDDINGS_INDEX)
