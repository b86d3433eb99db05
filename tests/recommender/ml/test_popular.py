import numpy as np

from recommender.ml.popular import PopularityRecommender
from tests.recommender.ml.mixin import RecommenderContract, synthetic_matrix


class TestPopularityContract(RecommenderContract):
    def make_model(self):
        return PopularityRecommender()


def test_popularity_counts_users_not_weights():
    matrix = synthetic_matrix()

    model = PopularityRecommender().fit(matrix)

    expected = (matrix.positives.toarray() > 0).sum(axis=0)
    np.testing.assert_array_equal(model.popularity, expected.astype(np.float32))
    assert model.popularity[15] == 0.0
