import numpy as np

from recommender.ml.data import build_interaction_matrix
from recommender.ml.splits import cold_split, warm_split


def _matrix():
    rows = [(f"u{u}", f"i{i}", "read", None, None) for u in range(8) for i in range(u, u + 10)]
    rows.append(("u0", "i15", "dislike", None, None))
    return build_interaction_matrix(rows, item_ids=[f"i{i}" for i in range(20)])


def test_warm_split_holds_out_20_percent_of_each_users_items():
    matrix = _matrix()

    train, test = warm_split(matrix, seed=0)

    assert np.diff(test.positives.indptr).tolist() == [2] * 8
    assert np.diff(train.positives.indptr).tolist() == [8] * 8
    assert train.positives.multiply(test.positives).nnz == 0
    assert (train.positives + test.positives != matrix.positives).nnz == 0
    assert train.negatives.nnz == 1
    assert test.negatives.nnz == 0
    assert train.shape == test.shape == matrix.shape


def test_warm_split_is_reproducible_per_seed():
    matrix = _matrix()

    first, second, other = (warm_split(matrix, seed=s)[1] for s in (3, 3, 4))

    assert (first.positives != second.positives).nnz == 0
    assert (first.positives != other.positives).nnz > 0


def test_cold_split_holds_out_items_with_all_their_interactions():
    matrix = _matrix()

    train, test, cold = cold_split(matrix, item_fraction=0.1, seed=0)

    assert len(cold) == 2
    assert train.positives[:, cold].nnz == 0
    assert train.negatives[:, cold].nnz == 0
    assert test.positives.nnz == matrix.positives[:, cold].nnz
    assert set(test.positives.indices.tolist()) <= set(cold.tolist())
    assert train.positives.nnz + test.positives.nnz == matrix.positives.nnz
