"""The contract every Recommender passes (DESIGN §7): inherit RecommenderContract in a test
class, set ``make_model`` to build an unfitted model (and ``fit_model`` when fitting needs more
than the matrix, as the LM's titles), and these tests run against it on tiny synthetic data."""

from __future__ import annotations

import numpy as np
import pytest

from recommender.ml.base import Recommender
from recommender.ml.data import InteractionMatrix, build_interaction_matrix

N_USERS = 24
N_ITEMS = 16


def synthetic_matrix(seed: int = 0) -> InteractionMatrix:
    """Two taste groups: even users read mostly items 0-7, odd users items 8-15; users 0 and 1
    also disliked one item each. Item 15 is in the catalogue but never read."""
    rng = np.random.default_rng(seed)
    rows = []
    for user in range(N_USERS):
        home = range(0, 8) if user % 2 == 0 else range(8, 15)
        for item in rng.choice(list(home), size=4, replace=False):
            rows.append((f"u{user}", f"i{item}", "read", None, None))
        rows.append((f"u{user}", f"i{rng.integers(0, 15)}", "like", None, None))
    rows.append(("u0", "i9", "dislike", None, None))
    rows.append(("u1", "i2", "dislike", None, None))
    return build_interaction_matrix(rows, item_ids=[f"i{i}" for i in range(N_ITEMS)])


class RecommenderContract:
    """Mixin: tests shared by every recommender. Subclasses define ``make_model(self)``."""

    # What artifacts may be: never pickles (the LM's weights add torch's safetensors).
    artifact_suffixes: tuple[str, ...] = (".npy", ".json")

    def make_model(self) -> Recommender:
        raise NotImplementedError

    def fit_model(self, model: Recommender, matrix: InteractionMatrix) -> Recommender:
        return model.fit(matrix)

    @pytest.fixture
    def matrix(self) -> InteractionMatrix:
        return synthetic_matrix()

    @pytest.fixture
    def fitted(self, matrix) -> Recommender:
        return self.fit_model(self.make_model(), matrix)

    def test_fit_returns_the_model(self, matrix):
        model = self.make_model()

        assert self.fit_model(model, matrix) is model

    def test_recommend_returns_n_best_first_with_index_and_score_dtypes(self, fitted, matrix):
        items, scores = fitted.recommend(2, matrix, n=5)

        assert items.dtype == np.int64
        assert scores.dtype == np.float32
        assert len(items) == len(scores) == 5
        assert np.all(np.diff(scores) <= 0)
        full = fitted.score_users(np.array([2]), matrix)[0]
        np.testing.assert_allclose(scores, full[items], rtol=1e-6)

    def test_recommend_excludes_read_and_disliked_items(self, fitted, matrix):
        items, _ = fitted.recommend(0, matrix, n=N_ITEMS)

        assert set(items.tolist()).isdisjoint(matrix.seen(0).tolist())
        assert matrix.item_index("i9") in matrix.seen(0)
        assert len(items) == N_ITEMS - len(matrix.seen(0))

    def test_recommend_can_include_seen_items(self, fitted, matrix):
        items, _ = fitted.recommend(0, matrix, n=N_ITEMS, exclude_seen=False)

        assert sorted(items.tolist()) == list(range(N_ITEMS))

    def test_recommend_ranks_only_candidates(self, fitted, matrix):
        candidates = np.array([3, 12, 15], dtype=np.int64)
        seen = set(matrix.seen(5).tolist())

        items, _ = fitted.recommend(5, matrix, n=10, candidates=candidates)

        assert sorted(items.tolist()) == sorted(set(candidates.tolist()) - seen)

    def test_score_users_shape_and_dtype(self, fitted, matrix):
        scores = fitted.score_users(np.array([0, 3, 7]), matrix)

        assert scores.shape == (3, N_ITEMS)
        assert scores.dtype == np.float32

    def test_save_load_round_trip_gives_equal_scores(self, fitted, matrix, tmp_path):
        fitted.save(tmp_path)

        loaded = type(fitted).load(tmp_path)

        users = np.arange(N_USERS)
        np.testing.assert_array_equal(
            loaded.score_users(users, matrix), fitted.score_users(users, matrix)
        )
        assert loaded.params == fitted.params
        files = [path for path in tmp_path.rglob("*") if path.is_file()]
        assert all(path.suffix in self.artifact_suffixes for path in files)

    def test_load_memory_maps_arrays(self, fitted, tmp_path):
        fitted.save(tmp_path)

        mapped = type(fitted).load(tmp_path, mmap=True)
        in_memory = type(fitted).load(tmp_path, mmap=False)

        assert isinstance(mapped.item_ids, np.memmap)
        assert not isinstance(in_memory.item_ids, np.memmap)

    def test_load_refuses_pickled_arrays(self, fitted, tmp_path):
        fitted.save(tmp_path)
        np.save(tmp_path / "item_ids.npy", np.array([object()] * 3), allow_pickle=True)

        with pytest.raises(ValueError, match="allow_pickle"):
            type(fitted).load(tmp_path, mmap=False)

    def test_fit_is_deterministic(self, matrix):
        first = self.fit_model(self.make_model(), matrix)
        second = self.fit_model(self.make_model(), matrix)

        users = np.arange(N_USERS)
        np.testing.assert_array_equal(
            first.score_users(users, matrix), second.score_users(users, matrix)
        )
