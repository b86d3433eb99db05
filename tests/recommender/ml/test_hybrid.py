import numpy as np
import pytest

from recommender.ml.data import InteractionMatrix, build_interaction_matrix
from recommender.ml.hybrid import HybridRecommender, SequenceInput, fit_pairwise
from recommender.ml.hybrid_features import FEATURES, standardize, text_neighbours
from recommender.ml.lm.sequences import ordered_histories
from tests.recommender.ml import lm_tiny
from tests.recommender.ml.mixin import RecommenderContract, synthetic_matrix
from tests.recommender.ml.test_content import topic_embeddings

TINY_MF = {"factors": 2, "iterations": 5, "regularization": 0.1, "threads": 1}


class TestHybridContract(RecommenderContract):
    def make_model(self):
        return HybridRecommender(topic_embeddings(), **TINY_MF)


def test_pairwise_fit_weighs_the_informative_feature():
    # given: positives beat negatives on feature 0 only; feature 1 is noise
    rng = np.random.default_rng(0)
    informative, noise = rng.normal(1.0, 1.0, 2000), rng.normal(0.0, 1.0, 2000)
    differences = np.stack([informative, noise], axis=1).astype(np.float32)

    # when
    weights = fit_pairwise(differences)

    # then
    assert weights[0] > 1.0
    assert abs(weights[1]) < 0.1


def test_standardize_gives_zero_mean_unit_variance_rows_and_zeros_for_constant_rows():
    block = np.array([[1.0, 2.0, 3.0], [5.0, 5.0, 5.0]], dtype=np.float32)

    result = standardize(block)

    np.testing.assert_allclose(result[0], [-1.2247449, 0.0, 1.2247449], rtol=1e-6)
    np.testing.assert_array_equal(result[1], [0.0, 0.0, 0.0])


def test_text_neighbours_keep_the_nearest_texts_without_the_item_itself():
    embeddings = topic_embeddings()

    neighbours = text_neighbours(embeddings, keep=3)

    assert neighbours.shape == (16, 16)
    assert np.all(np.diff(neighbours.indptr) == 3)
    assert neighbours.diagonal().sum() == 0
    assert set(neighbours[2].indices.tolist()) <= set(range(8))  # same topic as item 2


def test_fit_learns_and_records_one_weight_per_feature():
    matrix = synthetic_matrix()

    model = HybridRecommender(topic_embeddings(), **TINY_MF).fit(matrix)

    assert list(model.params["weights"]) == list(FEATURES)
    assert model.params["validation_pairs"] > 0
    assert model.params["weights"]["lm"] == 0.0  # no LM given: its feature is constant
    assert model.params["weights"]["recency"] == 0.0  # no article ages given


def test_an_unread_article_is_ranked_for_readers_of_its_topic():
    # given: item 15 was never read; its text is like items 8-14 (odd users' group)
    matrix = synthetic_matrix()
    model = HybridRecommender(topic_embeddings(), **TINY_MF).fit(matrix)
    candidates = np.array([0, 15], dtype=np.int64)  # an unread-by-all item vs the other topic

    # when
    odd_items, _ = model.recommend(3, matrix, n=2, candidates=candidates)

    # then
    assert odd_items[0] == 15


def test_a_sequence_lm_gets_a_learned_weight_and_its_next_article_ranks_first():
    # given: readers of a cycle (article i is followed by i + 1) and the LM fitted on them
    data = lm_tiny.matrix()
    orders = ordered_histories(lm_tiny.rows(), data).items
    sequence = SequenceInput(lm_tiny.trained(), orders)

    # when: validated on each reader's last article, which the LM never learnt to predict
    model = HybridRecommender(lm_tiny.texts(), sequence=sequence, **TINY_MF).fit(data)
    scores = model.score_users(np.arange(4), data)

    # then
    assert model.weights["lm"] > 0
    for user in range(4):
        scores[user, data.seen(user)] = -np.inf
        assert scores[user].argmax() == (orders[user][-1] + 1) % lm_tiny.N_ITEMS


def test_load_refuses_another_models_directory(tmp_path):
    (tmp_path / "hybrid.json").write_text('{"model": "mf", "format": 1}')

    with pytest.raises(ValueError, match="hybrid"):
        HybridRecommender.load(tmp_path)


def test_items_without_text_still_get_a_score():
    # given: no item has text (all-zero embeddings)
    rows = [(f"u{u}", f"i{(u + k) % 10}", "read", None, None) for u in range(12) for k in range(4)]
    matrix = build_interaction_matrix(rows, item_ids=[f"i{i}" for i in range(10)])

    model = HybridRecommender(np.zeros((10, 4), dtype=np.float32), **TINY_MF).fit(matrix)

    assert np.isfinite(model.score_users(np.arange(12), matrix)).all()


def _catalogue_with_never_read_articles() -> tuple[InteractionMatrix, np.ndarray]:
    """60 readers of two topics (even: items 0-11, odd: items 12-23, 5 reads each, Zipf
    popularity); items 24-35 are in the catalogue, on the two topics, but nobody read them."""
    rng = np.random.default_rng(0)
    popularity = 1 / np.arange(1, 13)
    rows = [
        (f"u{user}", f"i{12 * (user % 2) + item}", "read", None, None)
        for user in range(60)
        for item in rng.choice(12, size=5, replace=False, p=popularity / popularity.sum())
    ]
    matrix = build_interaction_matrix(rows, item_ids=[f"i{i}" for i in range(36)])
    topics = np.array([0] * 12 + [1] * 12 + [0] * 6 + [1] * 6)
    embeddings = rng.normal(0, 0.1, (36, 4)).astype(np.float32)
    embeddings[np.arange(36), topics] += 1.0
    return matrix, embeddings


def test_never_read_articles_do_not_crowd_the_top_of_the_list():
    # given: a catalogue where a third of the articles were never read by anyone
    matrix, embeddings = _catalogue_with_never_read_articles()

    def never_read_share_of_top_5(**settings) -> float:
        model = HybridRecommender(embeddings, **TINY_MF, **settings).fit(matrix)
        scores = model.score_users(np.arange(60), matrix)
        for user in range(60):
            scores[user, matrix.seen(user)] = -np.inf
        return float((np.argsort(-scores, axis=1)[:, :5] >= 24).mean())

    # when / then: taught as negatives (the default), they stay out of the top 5; left out
    # of the pairs, the ranker learns that having no readers is a merit
    assert never_read_share_of_top_5() == 0.0
    assert never_read_share_of_top_5(unread_negatives=False) > 0.5
