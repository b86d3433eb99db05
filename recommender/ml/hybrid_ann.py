"""The hybrid's scores of one reader without a pass over the catalogue: for large catalogues.

``HybridRecommender.reader_scores`` computes every feature for every item, standardises each
over the catalogue and ranks the reader's candidate pool first: O(catalogue) per reader. Here
the same numbers come from work that does not grow with the catalogue:

- the pool (the top ``pool`` unseen items of each source) comes from approximate
  nearest-neighbour indexes by inner product (recommender.ml.ann) for the dense sources (MF
  factors, text embeddings, both also over the cold items alone), from the non-zero entries
  of the reader's sparse rows for the neighbour sources (then, as exact ranking does on ties,
  the lowest columns), and from a stored popularity order;
- the per-reader standardisation uses moments kept with the index: for a dense feature
  ``x = V q`` the catalogue's mean is ``(1ᵀV) q / n`` and its mean square ``qᵀ(VᵀV) q / n``
  (d x d, O(d²) per reader); for a sparse one the zeros add nothing to either sum;
- only the candidates (the pool and the best ``extra`` items by MF and by text, which the
  exact ranking places right below the pool) are scored, by the learned weights.

So the features of a candidate equal the exact ones up to float rounding, and with exact
neighbour searches the ranking of the pool is the exact one; the approximation is only the
graph search's recall (benchmarks/scale.py measures the NDCG@10 it costs). Articles newer than
the model (``NewItems``, few between two trainings) are scored exactly, by brute force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import numpy as np
import scipy.sparse as sp

from recommender.ml.ann import InnerProductIndex
from recommender.ml.artifacts import load_array, save_array
from recommender.ml.base import fitted, top_n
from recommender.ml.content import normalize_rows
from recommender.ml.hybrid import POOL_GAP, HybridRecommender
from recommender.ml.hybrid_features import RECENCY_HALF_LIFE_DAYS, BaseModels, NewItems

DENSE = ("mf", "content", "cold_mf", "cold_content")  # the indexes, by source
Standardizer = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Moments:
    """Sums over the items of a catalogue (new items included) that standardise one reader's
    features without visiting the items: ``factor_sum`` float64 (f,), ``factor_square``
    float64 (f, f) = FᵀF, the same for the text embeddings, and for the reader-independent
    popularity and recency their sum and sum of squares; ``n`` items."""

    n: int
    factor_sum: np.ndarray
    factor_square: np.ndarray
    embedding_sum: np.ndarray
    embedding_square: np.ndarray
    popularity: tuple[float, float]
    recency: tuple[float, float]

    def plus(self, new: NewItems | None) -> Moments:
        """The moments of the catalogue followed by ``new`` (no readers, age 0)."""
        if new is None or len(new) == 0:
            return self
        factors = np.asarray(new.factors, dtype=np.float64)
        embeddings = np.asarray(new.embeddings, dtype=np.float64)
        recency_sum, recency_square = self.recency
        return Moments(
            n=self.n + len(new),
            factor_sum=self.factor_sum + factors.sum(axis=0),
            factor_square=self.factor_square + factors.T @ factors,
            embedding_sum=self.embedding_sum + embeddings.sum(axis=0),
            embedding_square=self.embedding_square + embeddings.T @ embeddings,
            popularity=self.popularity,  # log1p(0) = 0
            recency=(recency_sum + len(new), recency_square + len(new)),
        )


def _standardizer(moments: Moments, total: float, square: float) -> Standardizer:
    """x -> (x - mean) / std over the ``moments.n`` items whose values sum to ``total`` and
    whose squares sum to ``square``; all zeros for a constant feature (as ``standardize``)."""
    mean = total / moments.n
    std = float(np.sqrt(max(square / moments.n - mean * mean, 0.0)))

    def scale(values: np.ndarray) -> np.ndarray:
        if std <= 1e-12:
            return np.zeros(len(values), dtype=np.float32)
        scaled: np.ndarray = ((np.asarray(values, np.float64) - mean) / std).astype(np.float32)
        return scaled

    return scale


def _dense_standardizer(
    moments: Moments, total: np.ndarray, square: np.ndarray, q: np.ndarray
) -> Standardizer:
    q = np.asarray(q, dtype=np.float64)
    return _standardizer(moments, float(total @ q), float(q @ square @ q))


def _recency_raw(ages_days: np.ndarray) -> np.ndarray:
    ages = np.maximum(np.asarray(ages_days, dtype=np.float64), 0)
    return np.asarray(0.5 ** (ages / RECENCY_HALF_LIFE_DAYS))


class HybridANN:
    """The candidate indexes and moments of one fitted hybrid's catalogue; built by the worker
    with the model (``build``), saved in its artifact directory, memory-mapped by web
    processes."""

    def __init__(
        self,
        indexes: dict[str, InnerProductIndex],
        popularity_order: np.ndarray,
        moments: Moments,
    ) -> None:
        self.indexes = indexes  # by DENSE source; the cold_* ones index cold columns only
        self.popularity_order = popularity_order  # int64: columns, most read first, ties by column
        self.moments = moments

    @classmethod
    def build(cls, base: BaseModels) -> Self:
        factors = np.asarray(fitted(base.item_factors), dtype=np.float32)
        embeddings = np.asarray(base.item_embeddings, dtype=np.float32)
        cold = np.flatnonzero(fitted(base.cold))
        counts = fitted(base.counts)
        indexes = {
            "mf": InnerProductIndex.build(factors),
            "content": InnerProductIndex.build(embeddings),
            "cold_mf": InnerProductIndex.build(factors[cold], cold),
            "cold_content": InnerProductIndex.build(embeddings[cold], cold),
        }
        popularity = np.log1p(np.asarray(counts, dtype=np.float64))
        recency = (
            _recency_raw(base.item_ages_days)
            if base.item_ages_days is not None
            else np.zeros(len(counts))
        )
        f64, e64 = factors.astype(np.float64), embeddings.astype(np.float64)
        moments = Moments(
            n=len(counts),
            factor_sum=f64.sum(axis=0),
            factor_square=f64.T @ f64,
            embedding_sum=e64.sum(axis=0),
            embedding_square=e64.T @ e64,
            popularity=(float(popularity.sum()), float((popularity**2).sum())),
            recency=(float(recency.sum()), float((recency**2).sum())),
        )
        order = np.argsort(-np.asarray(counts, dtype=np.float64), kind="stable")
        return cls(indexes, order.astype(np.int64), moments)

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        for name, index in self.indexes.items():
            index.save(directory, f"ann_{name}")
        save_array(directory / "ann_popularity_order.npy", self.popularity_order)
        m = self.moments
        save_array(directory / "ann_factor_square.npy", m.factor_square)
        save_array(directory / "ann_embedding_square.npy", m.embedding_square)
        scalars = np.array([m.n, *m.popularity, *m.recency], dtype=np.float64)
        save_array(directory / "ann_scalars.npy", scalars)
        save_array(directory / "ann_factor_sum.npy", m.factor_sum)
        save_array(directory / "ann_embedding_sum.npy", m.embedding_sum)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        indexes = {
            name: InnerProductIndex.load(directory, f"ann_{name}", mmap=mmap) for name in DENSE
        }
        n, popularity_sum, popularity_square, recency_sum, recency_square = load_array(
            directory / "ann_scalars.npy", mmap=False
        ).tolist()
        moments = Moments(
            n=int(n),
            factor_sum=load_array(directory / "ann_factor_sum.npy", mmap=False),
            factor_square=load_array(directory / "ann_factor_square.npy", mmap=False),
            embedding_sum=load_array(directory / "ann_embedding_sum.npy", mmap=False),
            embedding_square=load_array(directory / "ann_embedding_square.npy", mmap=False),
            popularity=(popularity_sum, popularity_square),
            recency=(recency_sum, recency_square),
        )
        order = load_array(directory / "ann_popularity_order.npy", mmap)
        return cls(indexes, order, moments)

    @staticmethod
    def exists(directory: Path) -> bool:
        return InnerProductIndex.exists(directory, "ann_mf")


def _sparse_rows_sum(matrix: sp.csr_matrix, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(columns int64 sorted, sums float64): the non-zero entries of the sum of ``matrix``'s
    rows ``rows``, visiting those rows only."""
    if len(rows) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    picked = matrix[rows]
    columns, inverse = np.unique(picked.indices, return_inverse=True)
    sums = np.bincount(inverse, weights=picked.data, minlength=len(columns))
    positive = sums > 0
    return columns[positive].astype(np.int64), sums[positive]


def _best(columns: np.ndarray, values: np.ndarray, excluded: np.ndarray, size: int) -> np.ndarray:
    """The ``size`` columns of largest value outside ``excluded``, ties by lower column."""
    keep = ~np.isin(columns, excluded)
    columns, values = columns[keep], values[keep]
    order = np.argsort(columns, kind="stable")
    best: np.ndarray = columns[order][top_n(np.asarray(values, dtype=np.float64)[order], size)]
    return best


def _fill(
    chosen: np.ndarray, order: Iterable[int] | np.ndarray, excluded: np.ndarray, size: int
) -> np.ndarray:
    """``chosen`` followed by the first columns of the iterable ``order`` outside ``excluded``
    and ``chosen`` until ``size`` (items tied at the lowest value, taken as exact ranking
    breaks ties)."""
    if len(chosen) >= size:
        return chosen
    skip = set(excluded.tolist()) | set(chosen.tolist())
    more: list[int] = []
    for column in order:
        if len(chosen) + len(more) >= size:
            break
        if int(column) not in skip:
            more.append(int(column))
    return np.concatenate([chosen, np.asarray(more, dtype=np.int64)])


def candidate_scores(
    model: HybridRecommender,
    ann: HybridANN,
    *,
    columns: np.ndarray,
    weights: np.ndarray,
    seen: np.ndarray,
    new: NewItems | None = None,
    moments: Moments | None = None,
    extra: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """(candidate columns int64, float32 scores) of one reader, in the numbering of
    ``model.reader_scores`` (catalogue columns, then ``new``), which gives these columns the
    same scores (up to the searches' recall and float rounding); seen columns never appear.
    ``moments``: ``ann.moments.plus(new)``, which callers cache with ``new``; ``extra``: the
    best items by MF and by text added below the pool, to fill a list longer than it."""
    base = fitted(model.base)
    n = len(fitted(base.cold))
    new_count = 0 if new is None else len(new)
    moments = moments or ann.moments.plus(new)
    seen = np.asarray(seen, dtype=np.int64)
    pool_size = model.settings["pool"]
    columns = np.asarray(columns, dtype=np.int64)

    def rows_of(catalogue: np.ndarray, of_new: np.ndarray | None, picked: np.ndarray) -> np.ndarray:
        old = picked < n
        out = np.zeros((len(picked), catalogue.shape[1]), dtype=np.float32)
        out[old] = catalogue[picked[old]]
        if of_new is not None:
            out[~old] = of_new[picked[~old] - n]
        return out

    vector = base.mf.fold_in(columns, weights)
    profile = normalize_rows(base.item_embeddings[columns].sum(axis=0))
    queries = {"mf": vector, "content": profile, "cold_mf": vector, "cold_content": profile}
    new_vectors = {
        "mf": None if new is None else new.factors,
        "content": None if new is None else new.embeddings,
    }
    pool: list[np.ndarray] = []
    candidates: list[np.ndarray] = []
    for source in DENSE:
        dense = source.removeprefix("cold_")
        want = max(pool_size, 0 if source.startswith("cold_") else extra) + len(seen)
        found, values = ann.indexes[source].search(queries[source], want)
        if new_count:  # articles newer than the model: all cold, scored exactly
            found = np.concatenate([found, np.arange(n, n + new_count)])
            values = np.concatenate([values, new_vectors[dense] @ queries[source]])
        best = _best(found, values, seen, max(pool_size, extra))
        pool.append(best[:pool_size])
        candidates.append(best)

    neighbours = _sparse_rows_sum(base.neighbours, columns)
    text_columns, text_values = _sparse_rows_sum(base.text_neighbours, columns)
    if new_count and new is not None:
        new_columns, new_values = _sparse_rows_sum(new.text_neighbours, columns)
        text_columns = np.concatenate([text_columns, new_columns + n])
        text_values = np.concatenate([text_values, new_values])
    everything = range(n + new_count)
    pool.append(_fill(_best(*neighbours, seen, pool_size), everything, seen, pool_size))
    pool.append(
        _fill(_best(text_columns, text_values, seen, pool_size), everything, seen, pool_size)
    )
    popular = np.concatenate([ann.popularity_order, np.arange(n, n + new_count)])
    pool.append(_fill(np.zeros(0, dtype=np.int64), popular, seen, pool_size))
    cold_order = np.concatenate([ann.indexes["cold_mf"].columns, np.arange(n, n + new_count)])
    is_cold_text = text_columns >= n
    is_cold_text[~is_cold_text] = fitted(base.cold)[text_columns[~is_cold_text]]
    cold_texts = _best(text_columns[is_cold_text], text_values[is_cold_text], seen, pool_size)
    pool.append(_fill(cold_texts, cold_order, seen, pool_size))

    in_pool = np.unique(np.concatenate(pool))
    picked = np.union1d(in_pool, np.concatenate(candidates))

    # The features of the picked columns, standardised over the whole catalogue (moments).
    mf_scale = _dense_standardizer(moments, moments.factor_sum, moments.factor_square, vector)
    content_scale = _dense_standardizer(
        moments, moments.embedding_sum, moments.embedding_square, profile
    )
    new_factors = None if new is None else new.factors
    new_embeddings = None if new is None else new.embeddings
    mf = mf_scale(rows_of(fitted(base.item_factors), new_factors, picked) @ vector)
    content = content_scale(rows_of(base.item_embeddings, new_embeddings, picked) @ profile)
    texts = _sparse_feature(moments, text_columns, text_values, picked)
    old = picked < n
    cold = np.ones(len(picked), dtype=np.float32)
    cold[old] = fitted(base.cold)[picked[old]]
    popularity = np.zeros(len(picked))
    popularity[old] = np.log1p(fitted(base.counts)[picked[old]])
    recency = np.ones(len(picked)) if base.item_ages_days is not None else np.zeros(len(picked))
    if base.item_ages_days is not None:
        recency[old] = _recency_raw(np.asarray(base.item_ages_days)[picked[old]])
    features = {
        "mf": mf,
        "content": content,
        "neighbours": _sparse_feature(moments, *neighbours, picked),
        "text_neighbours": texts,
        "popularity": _standardizer(moments, *moments.popularity)(popularity),
        "recency": _standardizer(moments, *moments.recency)(recency),
        "cold": cold,
        "cold_mf": mf * cold,
        "cold_content": content * cold,
        "cold_text_neighbours": texts * cold,
    }
    scores = np.zeros(len(picked), dtype=np.float32)
    for name, values in features.items():
        if model.weights.get(name):
            scores += np.float32(model.weights[name]) * values
    pooled = np.isin(picked, in_pool)
    rest = ~pooled
    if pooled.any() and rest.any():
        scores[rest] += scores[pooled].min() - POOL_GAP - scores[rest].max()
    return picked, scores


def _sparse_feature(
    moments: Moments, columns: np.ndarray, values: np.ndarray, picked: np.ndarray
) -> np.ndarray:
    """float32 (len(picked),): a sparse feature (``values`` at ``columns``, zero elsewhere)
    standardised over the catalogue, at the columns ``picked``."""
    scale = _standardizer(moments, float(values.sum()), float((values**2).sum()))
    dense = np.zeros(len(picked))
    if len(columns) == 0:
        return scale(dense)
    where = np.searchsorted(columns, picked)
    hit = (where < len(columns)) & (columns[np.minimum(where, len(columns) - 1)] == picked)
    dense[hit] = values[where[hit]]
    return scale(dense)
