"""Train/test splits of DESIGN §5: warm (per-user holdout) and cold (held-out items)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from recommender.ml.data import InteractionMatrix


def _with_positives(
    matrix: InteractionMatrix, positives: sp.csr_matrix, negatives: sp.csr_matrix | None = None
) -> InteractionMatrix:
    result = InteractionMatrix(
        positives=positives.tocsr().astype(np.float32),
        negatives=(matrix.negatives if negatives is None else negatives).tocsr(),
        user_ids=matrix.user_ids,
        item_ids=matrix.item_ids,
    )
    result.positives.eliminate_zeros()
    result.negatives.eliminate_zeros()
    return result


def _mask(csr: sp.csr_matrix, keep: np.ndarray) -> sp.csr_matrix:
    """The stored entries of ``csr`` where ``keep`` (aligned with storage order) is True."""
    coo = csr.tocoo()
    return sp.csr_matrix(
        (coo.data[keep], (coo.row[keep], coo.col[keep])), shape=csr.shape, dtype=np.float32
    )


def warm_split(
    matrix: InteractionMatrix, *, test_fraction: float = 0.2, seed: int = 0
) -> tuple[InteractionMatrix, InteractionMatrix]:
    """Per user, a random round(test_fraction * n_u) of their positive items becomes test.

    Both halves keep every row and column of ``matrix``; dislikes stay in train only (they are
    known before the test period and only ever exclude items).
    """
    positives = matrix.positives.tocsr(copy=True)
    positives.sort_indices()
    counts = np.diff(positives.indptr)
    rows = np.repeat(np.arange(matrix.shape[0]), counts)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(positives.nnz), rows))
    rank_in_row = np.empty(positives.nnz, dtype=np.int64)
    rank_in_row[order] = np.arange(positives.nnz) - positives.indptr[rows[order]]
    n_test = np.rint(test_fraction * counts).astype(np.int64)
    is_test = rank_in_row < n_test[rows]
    train = _with_positives(matrix, _mask(positives, ~is_test))
    empty = sp.csr_matrix(matrix.shape, dtype=np.float32)
    test = _with_positives(matrix, _mask(positives, is_test), negatives=empty)
    return train, test


def cold_split(
    matrix: InteractionMatrix, *, item_fraction: float = 0.1, seed: int = 0
) -> tuple[InteractionMatrix, InteractionMatrix, np.ndarray]:
    """Hold out a random ``item_fraction`` of the items with all their interactions.

    Returns (train, test, cold_item_indices int64 sorted): train has no interaction (positive or
    negative) on a cold item, test has exactly the positives on cold items.
    """
    n_items = matrix.shape[1]
    rng = np.random.default_rng(seed)
    n_cold = int(round(item_fraction * n_items))
    cold = np.sort(rng.choice(n_items, size=n_cold, replace=False)).astype(np.int64)
    is_cold = np.zeros(n_items, dtype=bool)
    is_cold[cold] = True
    positives = matrix.positives.tocsr()
    held_out = is_cold[positives.indices]
    negatives = matrix.negatives.tocsr()
    train_negatives = _mask(negatives, ~is_cold[negatives.indices])
    train = _with_positives(matrix, _mask(positives, ~held_out), negatives=train_negatives)
    empty = sp.csr_matrix(matrix.shape, dtype=np.float32)
    test = _with_positives(matrix, _mask(positives, held_out), negatives=empty)
    return train, test, cold


def next_item_split(
    matrix: InteractionMatrix, histories: Sequence[Sequence[int]]
) -> tuple[InteractionMatrix, InteractionMatrix]:
    """The sequence protocol: each row's last item of ``histories`` (its positive items in
    reading order, ``lm.sequences.ordered_histories``) becomes test; rows with fewer than two
    items stay whole in train. Dislikes stay in train only."""
    rows, columns = [], []
    for user, items in enumerate(histories):
        if len(items) >= 2:
            rows.append(user)
            columns.append(items[-1])
    last = sp.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, columns)), shape=matrix.shape
    )
    positives = matrix.positives.tocsr(copy=True)
    positives.sort_indices()
    cells = positives.tocoo()  # storage order, as _mask reads it
    is_test = np.asarray(last[cells.row, cells.col]).ravel() > 0
    train = _with_positives(matrix, _mask(positives, ~is_test))
    empty = sp.csr_matrix(matrix.shape, dtype=np.float32)
    test = _with_positives(matrix, _mask(positives, is_test), negatives=empty)
    return train, test
