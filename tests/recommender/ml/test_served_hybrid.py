import numpy as np

from recommender.ml.served_hybrid import (
    FEATURES,
    NEGATIVES,
    blend,
    pair_differences,
    ranking_scores,
    reader_features,
)


def test_reader_features_are_standardised_over_the_candidates():
    features = reader_features(
        np.array([1.0, 3.0, -np.inf]), np.array([0.5, 0.5, 0.5]), np.array([0.0, 1.0, 2.0])
    )

    assert features.shape == (len(FEATURES), 3)
    np.testing.assert_allclose(features.mean(axis=1), 0.0, atol=1e-6)
    np.testing.assert_allclose(features[1], [0.0, 0.0, 0.0])  # constant: no information
    np.testing.assert_allclose(blend(features, np.array([0.0, 0.0, 2.0])), 2 * features[2])


def test_pair_differences_oppose_each_positive_to_unseen_candidates():
    features = np.arange(3 * 6, dtype=np.float32).reshape(3, 6)
    rng = np.random.default_rng(0)

    seen = np.array([True, False, False, False, False, False])

    differences = pair_differences(features, seen, np.array([5]), rng)

    # item 0 is seen and item 5 the positive: negatives come from items 1-4 only
    assert differences.shape == (NEGATIVES, len(FEATURES))
    assert set(differences[:, 0].tolist()) <= {4.0, 3.0, 2.0, 1.0}


def test_ranking_scores_put_the_candidate_pool_above_the_rest(monkeypatch):
    # given: a pool of the top item per feature; item 4 tops none but has the best blend
    monkeypatch.setattr("recommender.ml.served_hybrid.POOL", 1)
    features = np.array([[9, 5, 0, 0, 4], [0, 0, 5, 0, 1], [0, 0, 0, 5, 1]], dtype=np.float32)
    seen = np.array([True, False, False, False, False])

    # when
    scores = ranking_scores(features, np.array([1.0, 1.0, 1.0]), seen)

    # then: items 1, 2, 3 (tops of mf, content, popularity) rank above item 4 (and item 0,
    # seen, masked by the caller)
    assert scores.tolist() == [9.0, 5.0, 5.0, 5.0, 4.0]
