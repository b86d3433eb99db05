"""The hybrid ranker's base models and the features they give one reader.

``BaseModels`` bundles what the hybrid blends: implicit ALS (with the text adapter giving
factors to items nobody has read, so they are scored in the same space), the reader's content
profile (mean history embedding, cosine), co-reading neighbours (item-item cosine over readers),
text neighbours (item kNN in embedding space), popularity and recency.

``reader_features`` is the one place a reader's features are computed, from their positive
history (columns and event weights) only: offline evaluation, weight learning and the web
process all call it, so a served list is ranked on exactly the numbers the weights were learned
on. The MF feature uses the fold-in user vector (the exact least-squares solution against the
item factors), not the vectors ALS trained: a web process only has the reader's current history.
Each feature is standardised per reader over the catalogue (raw MF scores and cosines have
scales that vary from reader to reader, and a linear ranker can only blend comparable numbers).
The cost is O(catalogue x (factors + d)) dense work plus the sparse rows of the history's
columns; nothing items x items.

Articles newer than the model (``NewItems``) join the catalogue with adapter factors, their
text, no readers and the cold flag, as the cold items of an offline split do.

Pure numpy/scipy except ``fit`` (ALS trains in torch, imported lazily by ImplicitALS.fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from recommender.ml.adapter import NotEnoughItems, TextAdapter, adapter_training_set
from recommender.ml.artifacts import load_array, save_array
from recommender.ml.base import fitted, top_n
from recommender.ml.content import normalize_rows
from recommender.ml.data import InteractionMatrix
from recommender.ml.mf import ImplicitALS

# Order of the columns of the learned weight vector. "cold" is 1 for items without training
# readers; the cold_* products let the ranker weigh MF (adapter) and text differently for them.
FEATURES = (
    "mf",
    "content",
    "neighbours",
    "text_neighbours",
    "popularity",
    "recency",
    "cold",
    "cold_mf",
    "cold_content",
    "cold_text_neighbours",
    "lm",
)
NEIGHBOURS_PER_ITEM = 50  # co-reading neighbours kept per item (sparsifies the item-item matrix)
TEXT_NEIGHBOURS_PER_ITEM = 100  # nearest texts kept per item
TEXT_BLOCK = 1024  # items per block of the dense text-similarity computation
RECENCY_HALF_LIFE_DAYS = 30.0


def standardize(block: np.ndarray) -> np.ndarray:
    """Each row of float32 (users, items) shifted to mean 0 and scaled to unit variance
    (constant rows become all zero)."""
    block = np.asarray(block, dtype=np.float32)
    mean = block.mean(axis=1, keepdims=True)
    std = block.std(axis=1, keepdims=True)
    scaled: np.ndarray = np.divide(block - mean, std, out=np.zeros_like(block), where=std > 1e-12)
    return scaled


def _standardized(row: np.ndarray) -> np.ndarray:
    standardized: np.ndarray = standardize(row[None, :])[0]
    return standardized


def _lm_feature(scores: np.ndarray | None, n: int) -> np.ndarray:
    if scores is None:
        return np.zeros(n, dtype=np.float32)
    scores = np.array(scores, dtype=np.float32)
    finite = np.isfinite(scores)
    if not finite.any():
        return np.zeros(n, dtype=np.float32)
    scores[~finite] = scores[finite].min()
    return _standardized(scores)


def co_reading_neighbours(
    positives: sp.csr_matrix, keep: int = NEIGHBOURS_PER_ITEM
) -> sp.csr_matrix:
    """Item-item cosine over binary reader sets, the ``keep`` strongest per item (column),
    diagonal removed: csr float32 (items, items). A reader's score for item j sums row i's
    entry j over the items i they read."""
    binary = positives.copy().tocsc()
    binary.data = np.ones_like(binary.data, dtype=np.float32)
    norms = np.sqrt(np.asarray(binary.sum(axis=0)).ravel())
    inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    scaled = binary @ sp.diags(inverse.astype(np.float32))
    similarity = (scaled.T @ scaled).tocsc()
    similarity.setdiag(0)
    similarity.eliminate_zeros()
    columns = []
    for item in range(similarity.shape[1]):
        start, end = similarity.indptr[item], similarity.indptr[item + 1]
        rows, values = similarity.indices[start:end], similarity.data[start:end]
        if len(values) > keep:
            top = top_n(values, keep)
            rows, values = rows[top], values[top]
        columns.append((rows, values, np.full(len(rows), item)))
    rows, values, cols = (np.concatenate(part) for part in zip(*columns, strict=True))
    shape = similarity.shape
    return sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)


def text_neighbours(
    embeddings: np.ndarray, keep: int = TEXT_NEIGHBOURS_PER_ITEM, rows: np.ndarray | None = None
) -> sp.csr_matrix:
    """csr float32 (len(rows), items): row r holds the cosines of the ``keep`` items whose text
    is nearest to item ``rows[r]``'s (itself excluded; ``rows`` default: every item). A reader's
    score for j then sums the similarities of j's neighbours they read: item-based kNN in text
    space, which works for unread items."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    n = len(embeddings)
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=np.int64)
    keep = max(min(keep, n - 1), 1)
    out_rows, cols, values = [], [], []
    for start in range(0, len(rows), TEXT_BLOCK):
        items = rows[start : start + TEXT_BLOCK]
        block = embeddings[items] @ embeddings.T
        block[np.arange(len(items)), items] = -np.inf
        top = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
        out_rows.append(np.repeat(np.arange(start, start + len(items)), keep))
        cols.append(top.ravel())
        values.append(np.maximum(np.take_along_axis(block, top, axis=1).ravel(), 0))
    data = (np.concatenate(values), (np.concatenate(out_rows), np.concatenate(cols)))
    return sp.csr_matrix(data, shape=(len(rows), n), dtype=np.float32)


def save_csr(directory: Path, name: str, matrix: sp.csr_matrix) -> None:
    """A csr matrix as three plain .npy arrays (no pickles, memory-mappable)."""
    for part in ("data", "indices", "indptr"):
        save_array(directory / f"{name}_{part}.npy", getattr(matrix, part))


def load_csr(directory: Path, name: str, mmap: bool) -> sp.csr_matrix:
    data, indices, indptr = (
        load_array(directory / f"{name}_{part}.npy", mmap) for part in ("data", "indices", "indptr")
    )
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1,) * 2, copy=False)


def _rows_sum(matrix: sp.csr_matrix, rows: np.ndarray) -> np.ndarray:
    """float32 (matrix columns,): the sum of ``matrix``'s rows ``rows`` (csr row slicing)."""
    if len(rows) == 0:
        return np.zeros(matrix.shape[1], dtype=np.float32)
    return np.asarray(matrix[rows].sum(axis=0), dtype=np.float32).ravel()


@dataclass(frozen=True)
class NewItems:
    """Articles newer than the model, appended after its columns (see ``BaseModels.new_items``).

    factors float32 (m, f): adapter factors; embeddings float32 (m, d): unit rows, zero without
    text; text_neighbours csr float32 (n_items, m): row i holds the new items that have catalogue
    item i among their nearest texts (a reader's history is catalogue items only)."""

    factors: np.ndarray
    embeddings: np.ndarray
    text_neighbours: sp.csr_matrix

    def __len__(self) -> int:
        return len(self.factors)


class BaseModels:
    """The fitted base models over one catalogue; see the module docstring."""

    def __init__(
        self,
        item_embeddings: np.ndarray,
        *,
        item_ages_days: np.ndarray | None = None,
        mf_params: dict[str, Any],
    ) -> None:
        self.item_embeddings = item_embeddings  # unit rows once fitted (or loaded)
        self.item_ages_days = item_ages_days
        self.mf = ImplicitALS(**mf_params)
        self.adapter: TextAdapter | None = None
        self.adapter_metrics: dict[str, Any] = {}
        self.item_factors: np.ndarray | None = None  # MF factors, adapter factors for cold items
        self.cold: np.ndarray | None = None  # bool (n_items,): no training reader
        self.counts: np.ndarray | None = None  # float32 (n_items,) training readers per item
        # csr (items, items): row i holds the co-read items j and their cosine with i.
        self.neighbours: sp.csr_matrix | None = None
        # csr (items, items): row i holds the items j that have i among their nearest texts
        # (the transpose of text_neighbours(), so that a history is a slice of rows).
        self.text_neighbours: sp.csr_matrix | None = None
        self._catalogue: dict[str, np.ndarray] | None = None

    def fit(
        self,
        matrix: InteractionMatrix,
        *,
        mf: ImplicitALS | None = None,
        adapter: TextAdapter | None = None,
    ) -> Self:
        """Fit on ``matrix``; ``mf`` (already fitted on ``matrix``) and ``adapter`` (fitted on
        its item factors) are reused instead of fitted again when given."""
        if mf is None:
            self.mf.fit(matrix)
        else:
            self.mf = mf
        self.item_embeddings = normalize_rows(self.item_embeddings)
        counts = np.bincount(matrix.positives.indices, minlength=matrix.shape[1])
        has_text = np.linalg.norm(self.item_embeddings, axis=1) > 0
        self.cold = counts == 0
        self.counts = counts.astype(np.float32)
        self.item_factors = np.array(self.mf.item_factors, dtype=np.float32)
        if adapter is None:
            x, y = adapter_training_set(self.item_factors, counts, self.item_embeddings, has_text)
            try:
                adapter = TextAdapter().fit(x, y, seed=self.mf.seed)
            except NotEnoughItems:
                adapter = None  # too little text to learn from: cold items keep MF's zeros
        self.adapter = adapter
        if adapter is not None:
            self.adapter_metrics = adapter.metrics
            unread = self.cold & has_text
            self.item_factors[unread] = adapter.predict(self.item_embeddings[unread])
        self.neighbours = co_reading_neighbours(matrix.positives)
        if self.text_neighbours is None:  # depends on the text only: computed once
            self.text_neighbours = text_neighbours(self.item_embeddings).T.tocsr()
        self._catalogue = None
        return self

    def new_items(self, factors: np.ndarray, embeddings: np.ndarray) -> NewItems:
        """``NewItems`` for articles outside the catalogue, from their adapter factors float32
        (m, f) and embeddings float32 (m, d): their nearest texts are searched among the
        catalogue and each other, as if they had been columns when the model was fitted."""
        embeddings = normalize_rows(np.reshape(embeddings, (len(factors), -1)))
        n = len(fitted(self.cold))
        if len(factors) == 0:
            nearest = sp.csr_matrix((0, n), dtype=np.float32)
        else:
            everything = np.concatenate([self.item_embeddings, embeddings])
            rows = np.arange(n, n + len(embeddings))
            nearest = text_neighbours(everything, rows=rows)[:, :n]
        return NewItems(np.asarray(factors, dtype=np.float32), embeddings, nearest.T.tocsr())

    def catalogue(self, new: NewItems | None = None) -> dict[str, np.ndarray]:
        """{"cold", "popularity", "recency"}: float32 (n_items + len(new),) per-item features of
        the catalogue the reader is ranked in (the same for every reader; cached without
        ``new``)."""
        if new is None and self._catalogue is not None:
            return self._catalogue
        extra = 0 if new is None else len(new)
        cold = np.concatenate([fitted(self.cold), np.ones(extra, dtype=bool)]).astype(np.float32)
        counts = np.concatenate([fitted(self.counts), np.zeros(extra, dtype=np.float32)])
        features = {
            "cold": cold,
            "popularity": _standardized(np.log1p(counts)),
            "recency": self._recency(extra),
        }
        if new is None:
            self._catalogue = features
        return features

    def _recency(self, extra: int) -> np.ndarray:
        """float32: 2^(-age / half-life), standardised; zeros without ages (new items: age 0)."""
        if self.item_ages_days is None:
            return np.zeros(len(fitted(self.cold)) + extra, dtype=np.float32)
        ages = np.maximum(np.asarray(self.item_ages_days, dtype=np.float32), 0)
        ages = np.concatenate([ages, np.zeros(extra, dtype=np.float32)])
        return _standardized(0.5 ** (ages / RECENCY_HALF_LIFE_DAYS))

    def reader_features(
        self,
        columns: np.ndarray,
        weights: np.ndarray,
        new: NewItems | None = None,
        lm_scores: np.ndarray | None = None,
    ) -> dict[str, np.ndarray]:
        """{name: float32 (n_items + len(new),)} for every feature of FEATURES, for the reader
        whose positive history is catalogue ``columns`` int64 (k,) with event weights float32
        (k,) (the fold-in's confidence; the text and co-reading features count each read
        article once) and whose sequence LM scores are ``lm_scores`` (same length; -inf: an
        article the LM cannot score, placed at the worst score; None: no LM, all zeros)."""
        columns = np.asarray(columns, dtype=np.int64)
        catalogue = self.catalogue(new)
        factors, embeddings = fitted(self.item_factors), self.item_embeddings
        if new is not None and len(new):
            factors = np.concatenate([factors, new.factors])
            embeddings = np.concatenate([embeddings, new.embeddings])
        vector = self.mf.fold_in(columns, weights)
        mf = _standardized(factors @ vector)
        profile = normalize_rows(self.item_embeddings[columns].sum(axis=0))
        content = _standardized(embeddings @ profile)
        extra = len(factors) - len(fitted(self.cold))
        neighbours = np.concatenate(
            [_rows_sum(self.neighbours, columns), np.zeros(extra, dtype=np.float32)]
        )
        texts = _rows_sum(self.text_neighbours, columns)
        if extra and new is not None:
            texts = np.concatenate([texts, _rows_sum(new.text_neighbours, columns)])
        texts = _standardized(texts)
        cold = catalogue["cold"]
        return {
            "mf": mf,
            "content": content,
            "neighbours": _standardized(neighbours),
            "text_neighbours": texts,
            "popularity": catalogue["popularity"],
            "recency": catalogue["recency"],
            "cold": cold,
            "cold_mf": mf * cold,
            "cold_content": content * cold,
            "cold_text_neighbours": texts * cold,
            "lm": _lm_feature(lm_scores, len(cold)),
        }

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        self.mf.save(directory)
        if self.adapter is not None:
            self.adapter.save(directory)
        save_array(directory / "hybrid_item_factors.npy", fitted(self.item_factors))
        save_array(directory / "item_embeddings.npy", self.item_embeddings)
        save_array(directory / "cold.npy", fitted(self.cold))
        save_array(directory / "counts.npy", fitted(self.counts))
        if self.item_ages_days is not None:
            save_array(directory / "item_ages_days.npy", self.item_ages_days)
        save_csr(directory, "neighbours", self.neighbours)
        save_csr(directory, "text_neighbours_t", self.text_neighbours)

    @classmethod
    def load(cls, directory: Path, *, mmap: bool = True) -> Self:
        directory = Path(directory)
        mf = ImplicitALS.load(directory, mmap=mmap)
        ages_path = directory / "item_ages_days.npy"
        base = cls(
            load_array(directory / "item_embeddings.npy", mmap),
            item_ages_days=load_array(ages_path, mmap) if ages_path.is_file() else None,
            mf_params=mf.params,
        )
        base.mf = mf
        if TextAdapter.exists(directory):
            base.adapter = TextAdapter.load(directory, mmap=mmap)
            base.adapter_metrics = base.adapter.metrics
        base.item_factors = load_array(directory / "hybrid_item_factors.npy", mmap)
        base.cold = load_array(directory / "cold.npy", mmap)
        base.counts = load_array(directory / "counts.npy", mmap)
        base.neighbours = load_csr(directory, "neighbours", mmap)
        base.text_neighbours = load_csr(directory, "text_neighbours_t", mmap)
        return base
