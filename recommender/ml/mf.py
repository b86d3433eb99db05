"""Weighted implicit ALS (Hu, Koren & Volinsky 2008) trained with batched conjugate gradient.

Training (``fit``) runs in torch, imported inside ``fit`` only: everything else here — loading
artifacts, fold-in, scoring — is numpy, because web processes must never import torch.

Model: minimise sum_ui c_ui (p_ui - x_u . y_i)^2 + reg (|X|^2 + |Y|^2) with p_ui = 1 where the
user has a positive weight w_ui, c_ui = 1 + alpha * w_ui (1 elsewhere). Each half-step takes a
few conjugate-gradient steps for *all* users (then all items) at once, warm-started from the
previous factors (Takács, Pilászy & Tikk 2011; the same scheme as implicit's CPU solver); the
solver itself is in als_torch.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Self

import numpy as np

from recommender.ml.artifacts import load_array, load_meta, save_array, save_meta
from recommender.ml.base import Recommender, fitted
from recommender.ml.data import InteractionMatrix

ARTIFACT_FORMAT = 1


class ImplicitALS(Recommender):
    """Matrix factorisation for implicit feedback; see the module docstring for the objective.

    Attributes after ``fit`` / ``load``: ``user_factors`` float32 (n_users, factors),
    ``item_factors`` float32 (n_items, factors), ``user_ids`` / ``item_ids`` (str arrays aligned
    with their rows), ``train_seconds``.
    """

    name = "mf"

    def __init__(
        self,
        *,
        factors: int = 64,
        regularization: float = 0.01,
        alpha: float = 40.0,
        iterations: int = 15,
        cg_steps: int = 3,
        seed: int = 0,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.cg_steps = cg_steps
        self.seed = seed
        self.device = device
        self.threads = threads
        self.user_factors: np.ndarray | None = None
        self.item_factors: np.ndarray | None = None
        self.user_ids: np.ndarray | None = None
        self.item_ids: np.ndarray | None = None
        self.train_seconds = 0.0
        self._gramian: np.ndarray | None = None
        self._regularized_inverse: np.ndarray | None = None

    @property
    def params(self) -> dict[str, Any]:
        return {
            "factors": self.factors,
            "regularization": self.regularization,
            "alpha": self.alpha,
            "iterations": self.iterations,
            "cg_steps": self.cg_steps,
            "seed": self.seed,
        }

    # ----------------------------------------------------------------------------- training

    def fit(
        self, matrix: InteractionMatrix, *, callback: Callable[[int, int], None] | None = None
    ) -> Self:
        """Train on ``matrix.positives`` (weights w >= 0; negatives are not used as signal).

        ``callback(iterations_done, iterations)`` is called after every ALS iteration.
        """
        # Only training needs torch; serving (everything else here) is numpy.
        from recommender.ml.als_torch import train_als

        started = time.perf_counter()
        user_factors, item_factors = train_als(
            matrix.positives,
            factors=self.factors,
            regularization=self.regularization,
            alpha=self.alpha,
            iterations=self.iterations,
            cg_steps=self.cg_steps,
            seed=self.seed,
            device=self.device,
            threads=self.threads,
            callback=callback,
        )
        self.user_factors = user_factors
        self.item_factors = item_factors
        self.user_ids = np.asarray(matrix.user_ids, dtype=str)
        self.item_ids = np.asarray(matrix.item_ids, dtype=str)
        self._gramian = self._regularized_inverse = None
        self.train_seconds = time.perf_counter() - started
        return self

    # ----------------------------------------------------------------------------- serving

    @property
    def gramian(self) -> np.ndarray:
        """Y^T Y, float64 (factors, factors); saved with the model, else computed once here."""
        if self._gramian is None:
            item_factors = np.asarray(self.item_factors, dtype=np.float64)
            self._gramian = item_factors.T @ item_factors
        return self._gramian

    @property
    def regularized_inverse(self) -> np.ndarray:
        """(Y^T Y + reg I)^-1, float64 (factors, factors); computed once per process and cached."""
        if self._regularized_inverse is None:
            lhs = self.gramian.copy()
            lhs[np.diag_indices_from(lhs)] += self.regularization
            self._regularized_inverse = np.linalg.inv(lhs)
        return self._regularized_inverse

    def fold_in(self, item_indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The exact least-squares user vector, float32 (factors,), for one user's interactions.

        item_indices: int64 (k,) distinct item columns; weights: float32 (k,) w >= 0 (as produced
        by ``data.fold_in_weights``; w = 0 entries are ignored). Solves
        (YtY + Y_I^T (C_I - I) Y_I + reg I) x = Y_I^T C_I 1 — the user half-step of training,
        solved exactly — in O(k f^2 + min(k, f)^3), independent of the catalogue size.
        """
        weights = np.asarray(weights, dtype=np.float64)
        keep = weights > 0
        idx = np.asarray(item_indices, dtype=np.int64)[keep]
        if len(idx) == 0:
            return np.zeros(self.factors, dtype=np.float32)
        extra = self.alpha * weights[keep]  # c_ui - 1
        confidence = 1.0 + extra
        y = np.asarray(fitted(self.item_factors)[idx], dtype=np.float64)
        if len(idx) < self.factors and self.alpha > 0:
            # Woodbury: with M = (YtY + reg I)^-1 cached, only a k x k system is left:
            # x = U^T (c - (D^-1 + U Y_I^T)^-1 Y_I U^T c), U = Y_I M, D = diag(c - 1).
            u = y @ self.regularized_inverse
            inner = u @ y.T
            inner[np.diag_indices_from(inner)] += 1.0 / extra
            projected = u.T @ confidence
            solution = u.T @ (confidence - np.linalg.solve(inner, y @ projected))
        else:
            lhs = self.gramian + (y.T * extra) @ y
            lhs[np.diag_indices_from(lhs)] += self.regularization
            solution = np.linalg.solve(lhs, y.T @ confidence)
        vector: np.ndarray = solution.astype(np.float32)
        return vector

    def scores_for_vector(self, user_vector: np.ndarray) -> np.ndarray:
        """float32 (n_items,) = item_factors @ user_vector."""
        return np.asarray(fitted(self.item_factors) @ np.asarray(user_vector, dtype=np.float32))

    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """Scores from the trained user vectors; ``matrix`` rows must be the fitted users."""
        users = np.asarray(fitted(self.user_factors)[np.asarray(user_indices, dtype=np.int64)])
        scores: np.ndarray = users @ np.asarray(self.item_factors).T
        return scores

    # ----------------------------------------------------------------------------- artifacts

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        save_array(directory / "user_factors.npy", fitted(self.user_factors))
        save_array(directory / "item_factors.npy", fitted(self.item_factors))
        save_array(directory / "user_ids.npy", fitted(self.user_ids))
        save_array(directory / "item_ids.npy", fitted(self.item_ids))
        save_array(directory / "gramian.npy", self.gramian)
        save_meta(
            directory / "params.json",
            self.name,
            ARTIFACT_FORMAT,
            params=self.params,
            train_seconds=self.train_seconds,
        )

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        meta = load_meta(directory / "params.json", cls.name, ARTIFACT_FORMAT, "mf model")
        model = cls(**meta["params"])
        model.user_factors = load_array(directory / "user_factors.npy", mmap)
        model.item_factors = load_array(directory / "item_factors.npy", mmap)
        model.user_ids = load_array(directory / "user_ids.npy", mmap)
        model.item_ids = load_array(directory / "item_ids.npy", mmap)
        model._gramian = np.array(load_array(directory / "gramian.npy", mmap=False))
        model.train_seconds = meta["train_seconds"]
        return model
