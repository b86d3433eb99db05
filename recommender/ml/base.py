"""The one interface every recommender implements (fit / recommend / score_users / save / load)."""

from __future__ import annotations

import abc
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import numpy as np

from recommender.ml.data import InteractionMatrix

T = TypeVar("T")


def fitted(value: T | None) -> T:
    """``value``, an attribute that ``fit`` or ``load`` sets; a clear error before either ran."""
    if value is None:
        raise RuntimeError("the model is neither fitted nor loaded")
    return value


def top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """Indices (int64) of the ``n`` largest finite scores, best first; ties by lower index."""
    finite = np.flatnonzero(np.isfinite(scores))
    if n <= 0 or len(finite) == 0:
        return np.empty(0, dtype=np.int64)
    values = scores[finite]
    if n < len(finite):
        part = np.argpartition(-values, n - 1)[:n]
        finite, values = finite[part], values[part]
    order = np.lexsort((finite, -values))
    return finite[order].astype(np.int64)


class Recommender(abc.ABC):
    """A model over one catalogue of items (the columns of the matrix it was fitted on).

    Subclasses implement ``fit``, ``score_users``, ``save`` and ``load``; ranking rules that are the
    same for every model (exclusions, candidate restriction, ordering) live here.
    """

    name: str = ""
    if TYPE_CHECKING:
        # The constructor arguments saved with the model: an attribute or a property.
        @property
        def params(self) -> dict[str, Any]: ...

    @abc.abstractmethod
    def fit(self, matrix: InteractionMatrix) -> Self:
        """Train on ``matrix.positives`` (and whatever else the model uses); returns self."""

    @abc.abstractmethod
    def score_users(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> np.ndarray:
        """Scores float32 (len(user_indices), n_items), higher is better; nothing excluded."""

    @abc.abstractmethod
    def save(self, directory: Path) -> None:
        """Write the model's artifacts (.npy + JSON) into an existing, empty ``directory``."""

    @classmethod
    @abc.abstractmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        """Read what ``save`` wrote; arrays memory-mapped read-only when ``mmap``."""

    def recommend(
        self,
        user_index: int,
        matrix: InteractionMatrix,
        *,
        n: int = 10,
        candidates: np.ndarray | None = None,
        exclude_seen: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top ``n`` items for one user row of ``matrix``.

        Returns (item column indices int64, scores float32), best first, at most ``n`` long.
        ``candidates`` (column indices) restricts the ranking to those items; ``exclude_seen``
        drops items the user interacted with or disliked in ``matrix``.
        """
        scores = np.array(self.score_users(np.array([user_index]), matrix)[0], dtype=np.float32)
        if candidates is not None:
            allowed = np.full(len(scores), -np.inf, dtype=np.float32)
            cand = np.asarray(candidates, dtype=np.int64)
            allowed[cand] = scores[cand]
            scores = allowed
        if exclude_seen:
            scores[matrix.seen(user_index)] = -np.inf
        items = top_n(scores, n)
        return items, scores[items]
