import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from recommender.ml.data import fold_in_weights
from recommender.ml.mf import ImplicitALS
from tests.recommender.ml.mixin import N_ITEMS, RecommenderContract, synthetic_matrix

PROJECT_ROOT = Path(__file__).resolve().parents[3]


class TestImplicitALSContract(RecommenderContract):
    def make_model(self):
        return ImplicitALS(factors=4, iterations=4, seed=3, threads=1)


def _exact_user_vector(item_factors, weights_row, alpha, regularization):
    """The textbook normal equations with dense C_u over all items (Hu et al. 2008, eq. 4)."""
    confidence = 1.0 + alpha * weights_row
    preference = (weights_row > 0).astype(np.float64)
    y = item_factors.astype(np.float64)
    lhs = y.T @ (confidence[:, None] * y) + regularization * np.eye(y.shape[1])
    return np.linalg.solve(lhs, y.T @ (confidence * preference))


@pytest.mark.parametrize("factors", [3, 8])  # 5 interactions: the f x f and the k x k path
def test_fold_in_solves_the_weighted_least_squares_problem_exactly(factors):
    matrix = synthetic_matrix()
    model = ImplicitALS(factors=factors, iterations=3, alpha=5.0, regularization=0.3, threads=1)
    model.fit(matrix)
    row = matrix.positives[6].toarray().ravel()
    items = np.flatnonzero(row)
    assert len(items) == 5

    vector = model.fold_in(items, row[items].astype(np.float32))

    assert vector.dtype == np.float32
    assert vector.shape == (factors,)
    expected = _exact_user_vector(model.item_factors, row, alpha=5.0, regularization=0.3)
    np.testing.assert_allclose(vector, expected, rtol=1e-4, atol=1e-6)
    with_zero_weight = model.fold_in(np.append(items, 15), np.append(row[items], 0.0))
    np.testing.assert_array_equal(with_zero_weight, vector)


def test_fold_in_without_interactions_is_the_zero_vector():
    model = ImplicitALS(factors=4, iterations=1, threads=1).fit(synthetic_matrix())

    vector = model.fold_in(np.array([], dtype=np.int64), np.array([], dtype=np.float32))

    np.testing.assert_array_equal(vector, np.zeros(4, dtype=np.float32))


def test_one_batched_cg_half_step_with_as_many_steps_as_factors_solves_every_row_exactly():
    # CG is exact after `factors` steps, so one half-step must land on each row's exact
    # least-squares solution (in the rotated basis it returns); small chunks exercise chunking.
    import torch

    from recommender.ml.als_torch import _Chunk, _Trainer

    matrix = synthetic_matrix()
    csr = matrix.positives.tocsr()
    rng = np.random.default_rng(0)
    users = torch.from_numpy(rng.random((matrix.shape[0], 3), dtype=np.float32))
    items = torch.from_numpy(rng.random((N_ITEMS, 3), dtype=np.float32))
    chunks = [_Chunk(csr, start, min(start + 5, 24), 2.0, "cpu") for start in range(0, 24, 5)]
    trainer = _Trainer(regularization=0.5, cg_steps=3, chunk_rows=5, pool=None)

    solved, rotated_items = trainer.half_step(chunks, users, items)

    for user in range(matrix.shape[0]):
        row = csr[user].toarray().ravel()
        expected = _exact_user_vector(rotated_items.numpy(), row, alpha=2.0, regularization=0.5)
        np.testing.assert_allclose(solved[user].numpy(), expected, rtol=1e-3, atol=1e-4)
    # The rotation is orthogonal: every dot product between items is unchanged.
    np.testing.assert_allclose(
        rotated_items.numpy() @ rotated_items.numpy().T,
        items.numpy() @ items.numpy().T,
        rtol=1e-4,
        atol=1e-5,
    )


def test_fit_ranks_the_users_taste_group_first():
    matrix = synthetic_matrix()
    model = ImplicitALS(factors=4, iterations=10, alpha=10.0, threads=1).fit(matrix)

    even_items, _ = model.recommend(4, matrix, n=2)
    odd_items, _ = model.recommend(5, matrix, n=2)

    assert all(item < 8 for item in even_items)
    assert all(8 <= item < 15 for item in odd_items)


def test_fit_gives_the_same_factors_whatever_the_thread_count():
    matrix = synthetic_matrix()

    one = ImplicitALS(factors=4, iterations=3, threads=1).fit(matrix)
    two = ImplicitALS(factors=4, iterations=3, threads=2).fit(matrix)

    np.testing.assert_array_equal(one.item_factors, two.item_factors)
    np.testing.assert_array_equal(one.user_factors, two.user_factors)


def test_fit_restores_torch_thread_count_and_reports_progress():
    import torch

    before = torch.get_num_threads()
    progress = []

    ImplicitALS(factors=2, iterations=3, threads=1).fit(
        synthetic_matrix(), callback=lambda done, total: progress.append((done, total))
    )

    assert torch.get_num_threads() == before
    assert progress == [(1, 3), (2, 3), (3, 3)]


def test_different_seeds_give_different_factors():
    matrix = synthetic_matrix()

    first = ImplicitALS(factors=4, iterations=2, seed=0, threads=1).fit(matrix)
    second = ImplicitALS(factors=4, iterations=2, seed=1, threads=1).fit(matrix)

    assert not np.allclose(first.item_factors, second.item_factors)


def test_scores_for_vector_scores_every_item():
    model = ImplicitALS(factors=4, iterations=2, threads=1).fit(synthetic_matrix())
    vector = model.user_factors[3]

    scores = model.scores_for_vector(vector)

    assert scores.shape == (N_ITEMS,)
    np.testing.assert_allclose(scores, model.item_factors @ vector, rtol=1e-6)


def test_load_rejects_a_directory_of_another_model(tmp_path):
    (tmp_path / "params.json").write_text(json.dumps({"model": "popular", "params": {}}))

    with pytest.raises(ValueError, match="mf model"):
        ImplicitALS.load(tmp_path)


@pytest.mark.skipif("not __import__('torch').cuda.is_available()", reason="no CUDA device")
def test_cuda_training_matches_cpu():
    matrix = synthetic_matrix()

    cpu = ImplicitALS(factors=4, iterations=5, device="cpu").fit(matrix)
    cuda = ImplicitALS(factors=4, iterations=5, device="cuda").fit(matrix)

    np.testing.assert_allclose(cuda.item_factors, cpu.item_factors, rtol=1e-3, atol=1e-4)


SERVING_SCRIPT = """
import sys
import numpy as np
from recommender.ml.mf import ImplicitALS
model = ImplicitALS.load(sys.argv[1])
vector = model.fold_in(np.array([1, 2, 3]), np.array([2.0, 4.0, 2.0], dtype=np.float32))
scores = model.scores_for_vector(vector)
assert scores.shape == (16,), scores.shape
print(sorted(name for name in ("torch", "django") if name in sys.modules))
"""


def test_loading_and_scoring_never_import_torch(tmp_path):
    model = ImplicitALS(factors=4, iterations=2, threads=1).fit(synthetic_matrix())
    model.save(tmp_path)

    result = subprocess.run(
        [sys.executable, "-c", SERVING_SCRIPT, str(tmp_path)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=True,
    )

    assert result.stdout.strip() == "[]"


def test_fold_in_of_the_weights_of_a_matrix_row_matches_fold_in_of_the_row():
    matrix = synthetic_matrix()
    model = ImplicitALS(factors=4, iterations=2, threads=1).fit(matrix)
    events = [(2, "read"), (5, "read"), (5, "like"), (9, "dislike")]
    idx, weights, disliked = fold_in_weights(
        [item for item, _ in events], [event for _, event in events], [None] * len(events)
    )

    vector = model.fold_in(idx, weights)

    row = np.zeros(N_ITEMS)
    row[[2, 5]] = [2.0, 6.0]
    expected = _exact_user_vector(model.item_factors, row, alpha=40.0, regularization=0.01)
    np.testing.assert_allclose(vector, expected, rtol=1e-3, atol=1e-5)
    assert disliked.tolist() == [9]
