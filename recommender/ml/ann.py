"""Approximate nearest neighbours by inner product: candidate generation over a large catalogue.

faiss (``faiss-cpu``) HNSW graphs over flat float32 vectors. Chosen by measurement
(docs/scaling.md, "Sub-linear serving") and because a web process may load it: a C++ library
with a numpy interface, no torch, its index files memory-mapped (``IO_FLAG_MMAP_IFC``) so that
gunicorn workers share one copy through the page cache, as they share the factor matrices.

Workers build an index after training (recommender.training) into the version's artifact
directory; web processes load it (recommender.runtime.ann). Pure numpy + faiss, no Django.
"""

from __future__ import annotations

from pathlib import Path
from typing import Self

import faiss
import numpy as np

from recommender.ml.artifacts import load_array, save_array

# Graph degree and build effort (docs/scaling.md: recall measured against exact search).
GRAPH_NEIGHBOURS = 32
BUILD_EFFORT = 80
# The search explores at least this many candidates, and never fewer than it returns.
SEARCH_EFFORT = 128
# The file name of an MF version's index over its item factors (a hybrid's are hybrid_ann's).
MF_INDEX = "ann_mf_only"
# The file name of an embedding snapshot's index over its article vectors.
EMBEDDINGS_INDEX = "ann_embeddings"


class InnerProductIndex:
    """The ``k`` rows with the largest inner product with a query, approximately.

    ``columns`` int64 (n,): what each indexed row stands for (e.g. its catalogue column when
    only a subset of the catalogue is indexed); search results are given in these numbers."""

    def __init__(self, index: faiss.Index, columns: np.ndarray) -> None:
        self._index = index
        self.columns = columns

    def __len__(self) -> int:
        return len(self.columns)

    @classmethod
    def build(cls, vectors: np.ndarray, columns: np.ndarray | None = None) -> Self:
        """Index float32 (n, d) ``vectors`` (row r stands for ``columns[r]``, default r)."""
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        index = faiss.IndexHNSWFlat(vectors.shape[1], GRAPH_NEIGHBOURS, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = BUILD_EFFORT
        index.add(vectors)
        if columns is None:
            columns = np.arange(len(vectors), dtype=np.int64)
        return cls(index, np.asarray(columns, dtype=np.int64))

    def search(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """(columns int64, inner products float32) of about the ``k`` best rows for float32
        (d,) ``query``, best first; fewer when the index holds fewer."""
        k = min(k, len(self.columns))
        if k <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        # Per search, not on the shared index: threads of one process may search at once.
        parameters = faiss.SearchParametersHNSW(  # type: ignore[attr-defined]  # not in its stubs
            efSearch=max(SEARCH_EFFORT, k)
        )
        query = np.ascontiguousarray(np.reshape(query, (1, -1)), dtype=np.float32)
        scores, rows = self._index.search(query, k, params=parameters)
        found = rows[0] >= 0
        return self.columns[rows[0][found]], scores[0][found]

    def save(self, directory: Path, name: str) -> None:
        faiss.write_index(self._index, str(Path(directory) / f"{name}.faiss"))
        save_array(Path(directory) / f"{name}_columns.npy", self.columns)

    @classmethod
    def load(cls, directory: Path, name: str, *, mmap: bool = True) -> Self:
        flags = faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY if mmap else 0
        index = faiss.read_index(str(Path(directory) / f"{name}.faiss"), flags)
        return cls(index, load_array(Path(directory) / f"{name}_columns.npy", mmap))

    @staticmethod
    def exists(directory: Path, name: str) -> bool:
        return (Path(directory) / f"{name}.faiss").is_file()
