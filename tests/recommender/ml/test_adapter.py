import numpy as np
import pytest

from recommender.ml.adapter import ColdStartALS, NotEnoughItems, TextAdapter
from tests.recommender.ml.mixin import RecommenderContract, synthetic_matrix
from tests.recommender.ml.test_content import topic_embeddings


def linear_data(n: int = 200, d: int = 16, f: int = 4, noise: float = 0.01, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, d)).astype(np.float32)
    true = rng.standard_normal((d, f)).astype(np.float32)
    y = x @ true + 0.5 + noise * rng.standard_normal((n, f)).astype(np.float32)
    return x, y


class TestColdStartContract(RecommenderContract):
    def make_model(self):
        return ColdStartALS(topic_embeddings(), factors=2, iterations=5, regularization=0.1)


def test_the_adapter_recovers_a_linear_map_and_reports_validation():
    # given
    x, y = linear_data()

    # when
    adapter = TextAdapter().fit(x, y)

    # then
    assert adapter.metrics["adapter_val_loss"] < 0.01 * adapter.metrics["adapter_val_baseline_loss"]
    assert adapter.metrics["adapter_val_cosine"] > 0.99
    assert adapter.metrics["adapter_items"] == 200
    assert adapter.regularization in (0.01, 0.03, 0.1)
    fresh = np.random.default_rng(1).standard_normal((5, 16)).astype(np.float32)
    assert adapter.predict(fresh).shape == (5, 4)
    assert adapter.predict(fresh).dtype == np.float32


def test_noisier_targets_choose_stronger_regularization():
    # given: few items, pure noise targets
    rng = np.random.default_rng(0)
    x = rng.standard_normal((30, 16)).astype(np.float32)
    y = rng.standard_normal((30, 4)).astype(np.float32)

    # when
    adapter = TextAdapter().fit(x, y)

    # then
    assert adapter.regularization == 100.0


def test_too_few_items_refuse_to_fit():
    x, y = linear_data(n=7)

    with pytest.raises(NotEnoughItems):
        TextAdapter().fit(x, y)


def test_save_and_load_round_trip(tmp_path):
    # given
    x, y = linear_data()
    adapter = TextAdapter().fit(x, y)

    # when
    adapter.save(tmp_path)
    loaded = TextAdapter.load(tmp_path)

    # then
    np.testing.assert_array_equal(loaded.predict(x), adapter.predict(x))
    assert loaded.metrics == adapter.metrics
    assert isinstance(loaded.weights, np.memmap)
    assert TextAdapter.exists(tmp_path)


def test_unread_items_are_scored_through_their_text():
    # given: item 15 has no reader; its text is like items 8-14's
    matrix = synthetic_matrix()
    model = ColdStartALS(topic_embeddings(), factors=2, iterations=10, regularization=0.1)

    # when
    model.fit(matrix)
    scores = model.score_users(np.arange(matrix.shape[0]), matrix)

    # then
    assert np.all(model.mf.item_factors[15] != model.item_factors[15])
    odd_users = np.arange(1, matrix.shape[0], 2)  # readers of items 8-14
    even_users = np.arange(0, matrix.shape[0], 2)
    assert scores[odd_users, 15].mean() > scores[even_users, 15].mean()
