"""Most-read items first: the baseline every personalised model has to beat."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_json, save_array, save_json
from recommender.ml.base import Recommender, fitted
from recommender.ml.data import InteractionMatrix


class PopularityRecommender(Recommender):
    """Score of an item = number of users with a positive interaction on it (same for everyone).

    Counting users rather than summing weights keeps one heavy reader from making an item
    "popular" by re-reading it.
    """

    name = "popular"

    def __init__(self) -> None:
        self.params: dict[str, Any] = {}
        self.popularity: np.ndarray | None = None  # float32 (n_items,)
        self.item_ids: np.ndarray | None = None
        self.train_seconds = 0.0

    def fit(self, matrix: InteractionMatrix) -> Self:
        started = time.perf_counter()
        self.popularity = np.bincount(matrix.positives.indices, minlength=matrix.shape[1]).astype(
            np.float32
        )
        self.item_ids = matrix.item_ids
        self.train_seconds = time.perf_counter() - started
        return self

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        popularity = fitted(self.popularity)
        return np.broadcast_to(popularity, (len(user_indices), len(popularity)))

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_array(directory / "popularity.npy", fitted(self.popularity))
        save_array(directory / "item_ids.npy", fitted(self.item_ids))
        save_json(
            directory / "params.json",
            {"model": self.name, "params": self.params, "train_seconds": self.train_seconds},
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        model = cls()
        model.popularity = load_array(directory / "popularity.npy", mmap)
        model.item_ids = load_array(directory / "item_ids.npy", mmap)
        model.train_seconds = load_json(directory / "params.json")["train_seconds"]
        return model
