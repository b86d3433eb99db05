"""Zero-shot content recommendation: a reader is the mean of what they read, in text space.

Item embeddings are the L2-normalised sentence vectors of recommender.ml.text; a reader's profile
is the normalised mean of their history's vectors, and an item's score is its cosine with the
profile. No training: ``fit`` only remembers the catalogue, which makes the model the natural
cold-start baseline (an article nobody has read yet scores like any other).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_meta, save_array, save_meta
from recommender.ml.base import Recommender, fitted
from recommender.ml.data import InteractionMatrix

ARTIFACT_FORMAT = 1


def normalize_rows(vectors: np.ndarray) -> np.ndarray:
    """float32 copy of ``vectors`` (n, d) with unit rows; all-zero rows stay zero."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    unit: np.ndarray = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return unit


def mean_profile(vectors: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """The unit-length (weighted) mean of ``vectors`` float32 (k, d): float32 (d,).

    ``weights`` float (k,) >= 0, default all ones. Zero vector when k == 0 or all weights are 0,
    so that its cosine with anything is 0 rather than NaN.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    if weights is None:
        weights = np.ones(len(vectors), dtype=np.float32)
    total = vectors.T @ np.asarray(weights, dtype=np.float32)
    profile: np.ndarray = normalize_rows(total[None, :])[0]
    return profile


class ContentRecommender(Recommender):
    """Cosine between each reader's mean history embedding and every item's embedding.

    item_embeddings: float32 (n_items, d), aligned with the columns of the matrices it is used
    with; rows of items without text may be zero (they then score 0).
    """

    name = "content"

    def __init__(self, item_embeddings: np.ndarray, *, weighted: bool = False) -> None:
        self.item_embeddings = item_embeddings
        self.weighted = weighted
        self.item_ids: np.ndarray | None = None
        self.train_seconds = 0.0

    @property
    def params(self) -> dict[str, Any]:
        return {"weighted": self.weighted, "dim": int(self.item_embeddings.shape[1])}

    def fit(self, matrix: InteractionMatrix) -> Self:
        """Nothing to learn; checks the embeddings cover the catalogue and keeps its ids."""
        if self.item_embeddings.shape[0] != matrix.shape[1]:
            raise ValueError(
                f"{self.item_embeddings.shape[0]} item embeddings for {matrix.shape[1]} items"
            )
        started = time.perf_counter()
        self.item_ids = np.asarray(matrix.item_ids, dtype=str)
        self.train_seconds = time.perf_counter() - started
        return self

    def profiles(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """float32 (len(user_indices), d) unit profiles (zero for users without positives):
        the mean of the embeddings of their positive items, weighted by the event weight when
        ``weighted``, else each item once."""
        rows = matrix.positives[np.asarray(user_indices, dtype=np.int64)]
        if not self.weighted:
            rows = rows.copy()
            rows.data = np.ones_like(rows.data)
        return normalize_rows(rows @ np.asarray(self.item_embeddings, dtype=np.float32))

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        profiles = self.profiles(user_indices, matrix)
        return (profiles @ np.asarray(self.item_embeddings, dtype=np.float32).T).astype(np.float32)

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_array(directory / "item_embeddings.npy", self.item_embeddings)
        save_array(directory / "item_ids.npy", fitted(self.item_ids))
        save_meta(directory / "params.json", self.name, ARTIFACT_FORMAT, params=self.params)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        meta = load_meta(directory / "params.json", cls.name, ARTIFACT_FORMAT, "content model")
        model = cls(
            load_array(directory / "item_embeddings.npy", mmap),
            weighted=meta["params"]["weighted"],
        )
        model.item_ids = load_array(directory / "item_ids.npy", mmap)
        return model
