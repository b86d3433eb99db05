"""The hybrid ranker's base models and the features they give every (reader, item) pair.

``BaseModels`` bundles what the hybrid blends: implicit ALS (with the text adapter giving
factors to items nobody has read, so they are scored in the same space), the reader's content
profile (mean history embedding, cosine), co-reading neighbours (item-item cosine over readers),
text neighbours (item kNN in embedding space), popularity and recency. ``features`` returns,
per feature, a float32 (users, items) block standardised per reader over the whole catalogue:
raw MF scores and cosines have scales that vary from reader to reader, and a linear ranker can
only blend comparable numbers.

Pure numpy/scipy except ``fit`` (ALS trains in torch, imported lazily by ImplicitALS.fit).
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import numpy as np
import scipy.sparse as sp

from recommender.ml.adapter import NotEnoughItems, TextAdapter, adapter_training_set
from recommender.ml.artifacts import load_array, save_array
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
    return np.divide(block - mean, std, out=np.zeros_like(block), where=std > 1e-12)


def co_reading_neighbours(positives: sp.csr_matrix, keep: int = NEIGHBOURS_PER_ITEM):
    """Item-item cosine over binary reader sets, the ``keep`` strongest per item (column),
    diagonal removed: csr float32 (items, items)."""
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
            top = np.argpartition(-values, keep - 1)[:keep]
            rows, values = rows[top], values[top]
        columns.append((rows, values, np.full(len(rows), item)))
    rows, values, cols = (np.concatenate(part) for part in zip(*columns, strict=True))
    shape = similarity.shape
    return sp.csr_matrix((values.astype(np.float32), (rows, cols)), shape=shape)


def text_neighbours(embeddings: np.ndarray, keep: int = TEXT_NEIGHBOURS_PER_ITEM):
    """csr float32 (items, items): row j holds the cosines of the ``keep`` items whose text is
    nearest to item j's (itself excluded). A reader's score for j then sums the similarities of
    j's neighbours they read: item-based kNN in text space, which works for unread items."""
    embeddings = np.asarray(embeddings, dtype=np.float32)
    n = len(embeddings)
    keep = min(keep, n - 1)
    rows, cols, values = [], [], []
    for start in range(0, n, TEXT_BLOCK):
        block = embeddings[start : start + TEXT_BLOCK] @ embeddings.T
        block[np.arange(len(block)), np.arange(start, start + len(block))] = -np.inf
        top = np.argpartition(-block, keep - 1, axis=1)[:, :keep]
        rows.append(np.repeat(np.arange(start, start + len(block)), keep))
        cols.append(top.ravel())
        values.append(np.maximum(np.take_along_axis(block, top, axis=1).ravel(), 0))
    data = (np.concatenate(values), (np.concatenate(rows), np.concatenate(cols)))
    return sp.csr_matrix(data, shape=(n, n), dtype=np.float32)


def save_csr(directory: Path, name: str, matrix: sp.csr_matrix) -> None:
    """A csr matrix as three plain .npy arrays (no pickles, memory-mappable)."""
    for part in ("data", "indices", "indptr"):
        save_array(directory / f"{name}_{part}.npy", getattr(matrix, part))


def load_csr(directory: Path, name: str, mmap: bool) -> sp.csr_matrix:
    data, indices, indptr = (
        load_array(directory / f"{name}_{part}.npy", mmap) for part in ("data", "indices", "indptr")
    )
    return sp.csr_matrix((data, indices, indptr), shape=(len(indptr) - 1,) * 2, copy=False)


class BaseModels:
    """The fitted base models over one catalogue; see the module docstring."""

    def __init__(
        self,
        item_embeddings: np.ndarray,
        *,
        item_ages_days: np.ndarray | None = None,
        mf_params: dict,
    ) -> None:
        self.item_embeddings = normalize_rows(item_embeddings)
        self.item_ages_days = item_ages_days
        self.mf = ImplicitALS(**mf_params)
        self.adapter_metrics: dict = {}
        self.item_factors: np.ndarray | None = None  # MF factors, adapter factors for cold items
        self.cold: np.ndarray | None = None  # bool (n_items,): no training reader
        self.popularity: np.ndarray | None = None  # float32 (n_items,) standardised log counts
        self.neighbours: sp.csr_matrix | None = None
        self.text_neighbours: sp.csr_matrix | None = None

    def fit(self, matrix: InteractionMatrix) -> Self:
        self.mf.fit(matrix)
        counts = np.bincount(matrix.positives.indices, minlength=matrix.shape[1])
        has_text = np.linalg.norm(self.item_embeddings, axis=1) > 0
        self.cold = counts == 0
        self.item_factors = np.array(self.mf.item_factors, dtype=np.float32)
        x, y = adapter_training_set(self.item_factors, counts, self.item_embeddings, has_text)
        try:
            adapter = TextAdapter().fit(x, y, seed=self.mf.seed)
        except NotEnoughItems:
            adapter = None  # too little text to learn from: cold items keep MF's zero factors
        if adapter is not None:
            self.adapter_metrics = adapter.metrics
            unread = self.cold & has_text
            self.item_factors[unread] = adapter.predict(self.item_embeddings[unread])
        self.popularity = standardize(np.log1p(counts.astype(np.float32))[None, :])[0]
        self.neighbours = co_reading_neighbours(matrix.positives)
        if self.text_neighbours is None:  # depends on the text only: computed once
            self.text_neighbours = text_neighbours(self.item_embeddings)
        return self

    def features(self, user_indices: np.ndarray, matrix: InteractionMatrix) -> dict:
        """{name: float32 (users, items)} for every feature of FEATURES but "lm" (computed by
        the ranker on a shortlist only); the constant-per-item ones are broadcast views."""
        users = np.asarray(user_indices, dtype=np.int64)
        binary = matrix.positives[users]
        binary.data = np.ones_like(binary.data)
        cold = self.cold.astype(np.float32)[None, :]
        mf = standardize(np.asarray(self.mf.user_factors[users]) @ self.item_factors.T)
        profiles = normalize_rows(binary @ self.item_embeddings)
        content = standardize(profiles @ self.item_embeddings.T)
        texts = standardize((binary @ self.text_neighbours.T).toarray())
        shape = (len(users), len(self.cold))
        return {
            "text_neighbours": texts,
            "cold_text_neighbours": texts * cold,
            "mf": mf,
            "content": content,
            "neighbours": standardize((binary @ self.neighbours).toarray()),
            "popularity": np.broadcast_to(self.popularity[None, :], shape),
            "recency": np.broadcast_to(self.recency()[None, :], shape),
            "cold": np.broadcast_to(cold, shape),
            "cold_mf": mf * cold,
            "cold_content": content * cold,
        }

    def recency(self) -> np.ndarray:
        """float32 (n_items,): 2^(-age / half-life), standardised; zeros without ages."""
        if self.item_ages_days is None:
            return np.zeros(len(self.cold), dtype=np.float32)
        ages = np.maximum(np.asarray(self.item_ages_days, dtype=np.float32), 0)
        return standardize((0.5 ** (ages / RECENCY_HALF_LIFE_DAYS))[None, :])[0]

    def save(self, directory: Path) -> None:
        directory = Path(directory)
        self.mf.save(directory)
        save_array(directory / "hybrid_item_factors.npy", self.item_factors)
        save_array(directory / "item_embeddings.npy", self.item_embeddings)
        save_array(directory / "cold.npy", self.cold)
        save_array(directory / "popularity.npy", self.popularity)
        if self.item_ages_days is not None:
            save_array(directory / "item_ages_days.npy", self.item_ages_days)
        save_csr(directory, "neighbours", self.neighbours)
        save_csr(directory, "text_neighbours", self.text_neighbours)

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
        base.item_factors = load_array(directory / "hybrid_item_factors.npy", mmap)
        base.cold = load_array(directory / "cold.npy", mmap)
        base.popularity = load_array(directory / "popularity.npy", mmap)
        base.neighbours = load_csr(directory, "neighbours", mmap)
        base.text_neighbours = load_csr(directory, "text_neighbours", mmap)
        return base
