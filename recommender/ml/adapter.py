"""Cold start from text: a map from text embeddings to the MF item-factor space.

``TextAdapter`` is ridge regression (closed form, numpy): it learns, on the items the MF model
knows well enough (at least one reader), the linear map from an item's sentence embedding to its
item factors. An article nobody has read yet then gets factors = adapter(embedding), and the MF
score of any reader for it is their user vector . those factors — the same scale as real items,
so it competes in the same list. The ridge strength is chosen on held-out items (validation
loss = mean squared error per factor, also reported: mean cosine and the loss of predicting the
mean factor vector, the baseline the adapter must beat).

A small MLP was the alternative; ridge is kept because it is exact, takes milliseconds and
needs no torch in training or serving.

``ColdStartALS`` wraps ImplicitALS + adapter as one Recommender for offline evaluation: items
without training interactions are scored through their adapted factors.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_meta, save_array, save_meta
from recommender.ml.base import Recommender, fitted
from recommender.ml.data import InteractionMatrix
from recommender.ml.mf import ImplicitALS

ARTIFACT_FORMAT = 1
RIDGE_GRID = (0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0, 100.0)
VALIDATION_FRACTION = 0.2
MIN_ITEMS = 8  # below this a held-out set says nothing, and the map would be guesswork


class NotEnoughItems(ValueError):
    """Fewer than MIN_ITEMS items with both an embedding and trained factors."""


class TextAdapter:
    """factors ≈ (embedding - x_mean) @ weights + y_mean; fitted by ``fit``.

    Attributes: ``weights`` float32 (d, f), ``x_mean`` float32 (d,), ``y_mean`` float32 (f,),
    ``regularization`` (the chosen ridge strength), ``metrics`` (validation results).
    """

    def __init__(self) -> None:
        self.weights: np.ndarray | None = None
        self.x_mean: np.ndarray | None = None
        self.y_mean: np.ndarray | None = None
        self.regularization: float | None = None
        self.metrics: dict[str, Any] = {}

    def fit(
        self,
        embeddings: np.ndarray,
        factors: np.ndarray,
        *,
        grid: tuple[float, ...] = RIDGE_GRID,
        validation_fraction: float = VALIDATION_FRACTION,
        seed: int = 0,
    ) -> Self:
        """Learn from items' embeddings float32 (n, d) and their factors float32 (n, f).

        A random ``validation_fraction`` of the items is held out to choose the ridge strength
        from ``grid``; the adapter is then refitted on all n items with it. Raises
        NotEnoughItems when n < MIN_ITEMS.
        """
        x = np.asarray(embeddings, dtype=np.float64)
        y = np.asarray(factors, dtype=np.float64)
        if len(x) < MIN_ITEMS:
            raise NotEnoughItems(f"{len(x)} items with text and factors; need {MIN_ITEMS}")
        order = np.random.default_rng(seed).permutation(len(x))
        n_val = max(1, int(round(validation_fraction * len(x))))
        val, train = order[:n_val], order[n_val:]
        losses = {}
        solutions = _ridge_path(x[train], y[train], grid)
        for strength, (weights, x_mean, y_mean) in solutions.items():
            losses[strength] = _mse(x[val], y[val], weights, x_mean, y_mean)
        best = min(grid, key=lambda strength: (losses[strength], strength))
        weights, x_mean, y_mean = solutions[best]
        predicted = (x[val] - x_mean) @ weights + y_mean
        self.metrics = {
            "adapter_val_loss": float(losses[best]),
            "adapter_val_cosine": float(np.mean(_row_cosine(predicted, y[val]))),
            "adapter_val_baseline_loss": float(np.mean((y[val] - y[train].mean(axis=0)) ** 2)),
            "adapter_regularization": float(best),
            "adapter_items": len(x),
        }
        self.regularization = best
        self.weights, self.x_mean, self.y_mean = (
            part.astype(np.float32) for part in _ridge_path(x, y, (best,))[best]
        )
        return self

    def predict(self, embeddings: np.ndarray) -> np.ndarray:
        """Factors float32 (m, f) for embeddings float32 (m, d)."""
        x = np.asarray(embeddings, dtype=np.float32)
        weights, x_mean, y_mean = fitted(self.weights), fitted(self.x_mean), fitted(self.y_mean)
        factors: np.ndarray = ((x - x_mean) @ weights + y_mean).astype(np.float32)
        return factors

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_array(directory / "adapter_weights.npy", fitted(self.weights))
        save_array(directory / "adapter_x_mean.npy", fitted(self.x_mean))
        save_array(directory / "adapter_y_mean.npy", fitted(self.y_mean))
        save_meta(
            directory / "adapter.json",
            "adapter",
            ARTIFACT_FORMAT,
            regularization=self.regularization,
            metrics=self.metrics,
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        meta = load_meta(directory / "adapter.json", "adapter", ARTIFACT_FORMAT, "text adapter")
        adapter = cls()
        adapter.weights = load_array(directory / "adapter_weights.npy", mmap)
        adapter.x_mean = load_array(directory / "adapter_x_mean.npy", mmap)
        adapter.y_mean = load_array(directory / "adapter_y_mean.npy", mmap)
        adapter.regularization = meta["regularization"]
        adapter.metrics = meta["metrics"]
        return adapter

    @staticmethod
    def exists(directory: Path) -> bool:
        return (Path(directory) / "adapter.json").is_file()


def _ridge_path(
    x: np.ndarray, y: np.ndarray, grid: Iterable[float]
) -> dict[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """{strength: (weights (d, f), x_mean (d,), y_mean (f,))} for every strength, from one
    eigendecomposition of the centred Gram matrix (d x d, d = 384: milliseconds)."""
    x_mean, y_mean = x.mean(axis=0), y.mean(axis=0)
    xc, yc = x - x_mean, y - y_mean
    eigenvalues, vectors = np.linalg.eigh(xc.T @ xc)
    projected = vectors.T @ (xc.T @ yc)
    return {
        strength: (vectors @ (projected / (eigenvalues + strength)[:, None]), x_mean, y_mean)
        for strength in grid
    }


def _mse(
    x: np.ndarray, y: np.ndarray, weights: np.ndarray, x_mean: np.ndarray, y_mean: np.ndarray
) -> float:
    return float(np.mean(((x - x_mean) @ weights + y_mean - y) ** 2))


def _row_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cosines: np.ndarray = np.divide(
        (a * b).sum(axis=1), norms, out=np.zeros(len(a)), where=norms > 0
    )
    return cosines


def adapter_training_set(
    item_factors: np.ndarray, item_counts: np.ndarray, embeddings: np.ndarray, has_text: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(embeddings, factors) of the items the adapter learns from: read by at least one reader
    (an unread item's factors are just the regulariser's zero) and with text.

    item_factors float32 (n, f); item_counts (n,) readers per item; embeddings float32 (n, d);
    has_text bool (n,).
    """
    keep = (np.asarray(item_counts) > 0) & np.asarray(has_text, dtype=bool)
    return np.asarray(embeddings)[keep], np.asarray(item_factors)[keep]


class ColdStartALS(Recommender):
    """ImplicitALS whose items without training interactions get adapter(embedding) factors.

    item_embeddings: float32 (n_items, d) aligned with the matrix columns (zero rows: no text).
    """

    name = "adapter"

    def __init__(self, item_embeddings: np.ndarray, **mf_params: Any) -> None:
        self.item_embeddings = item_embeddings
        self.mf = ImplicitALS(**mf_params)
        self.adapter = TextAdapter()
        self.item_factors: np.ndarray | None = None
        self.train_seconds = 0.0

    @property
    def params(self) -> dict[str, Any]:
        return {**self.mf.params, "adapter_regularization": self.adapter.regularization}

    @property
    def item_ids(self) -> np.ndarray:
        return fitted(self.mf.item_ids)

    def fit(self, matrix: InteractionMatrix) -> Self:
        started = time.perf_counter()
        self.mf.fit(matrix)
        counts = np.diff(matrix.positives.tocsc().indptr)
        has_text = np.linalg.norm(self.item_embeddings, axis=1) > 0
        mf_factors = fitted(self.mf.item_factors)
        x, y = adapter_training_set(mf_factors, counts, self.item_embeddings, has_text)
        self.adapter.fit(x, y, seed=self.mf.seed)
        cold = (counts == 0) & has_text
        self.item_factors = np.array(mf_factors, dtype=np.float32)
        self.item_factors[cold] = self.adapter.predict(self.item_embeddings[cold])
        self.train_seconds = time.perf_counter() - started
        return self

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        users = np.asarray(fitted(self.mf.user_factors)[np.asarray(user_indices, dtype=np.int64)])
        scores: np.ndarray = (users @ np.asarray(self.item_factors).T).astype(np.float32)
        return scores

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        self.mf.save(directory)
        self.adapter.save(directory)
        save_array(directory / "adapted_item_factors.npy", fitted(self.item_factors))
        save_array(directory / "item_embeddings.npy", self.item_embeddings)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        mf = ImplicitALS.load(directory, mmap=mmap)
        model = cls(load_array(directory / "item_embeddings.npy", mmap))
        model.mf = mf
        model.adapter = TextAdapter.load(directory, mmap=mmap)
        model.item_factors = load_array(directory / "adapted_item_factors.npy", mmap)
        model.train_seconds = mf.train_seconds
        return model
