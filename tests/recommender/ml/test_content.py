import numpy as np

from recommender.ml.content import ContentRecommender, mean_profile, normalize_rows
from tests.recommender.ml.mixin import N_ITEMS, RecommenderContract, synthetic_matrix


def topic_embeddings(dim: int = 8, seed: int = 0) -> np.ndarray:
    """Unit vectors for the 16 synthetic items: items 0-7 near one direction, 8-15 near another
    (the two taste groups of the synthetic matrix)."""
    rng = np.random.default_rng(seed)
    centres = np.eye(dim, dtype=np.float32)[:2]
    vectors = np.stack([centres[0 if item < 8 else 1] for item in range(N_ITEMS)])
    return normalize_rows(vectors + 0.1 * rng.standard_normal(vectors.shape).astype(np.float32))


class TestContentContract(RecommenderContract):
    def make_model(self):
        return ContentRecommender(topic_embeddings())


def test_a_readers_profile_ranks_their_groups_items_first():
    # given: user 2 read only items 0-7 (and liked one more)
    matrix = synthetic_matrix()
    model = ContentRecommender(topic_embeddings()).fit(matrix)

    # when
    items, _ = model.recommend(2, matrix, n=3)

    # then
    assert all(item < 8 for item in items.tolist())


def test_scores_are_cosines_with_the_mean_history_embedding():
    # given
    matrix = synthetic_matrix()
    embeddings = topic_embeddings()
    model = ContentRecommender(embeddings).fit(matrix)
    history = matrix.positives[4].indices

    # when
    scores = model.score_users(np.array([4]), matrix)[0]

    # then
    np.testing.assert_allclose(scores, embeddings @ mean_profile(embeddings[history]), rtol=1e-5)


def test_mean_profile_of_nothing_is_the_zero_vector():
    assert mean_profile(np.zeros((0, 4), dtype=np.float32)).tolist() == [0.0] * 4
    np.testing.assert_allclose(
        mean_profile(np.array([[3.0, 0.0], [0.0, 1.0]]), np.array([1.0, 3.0])),
        [np.sqrt(0.5), np.sqrt(0.5)],
        rtol=1e-6,
    )
