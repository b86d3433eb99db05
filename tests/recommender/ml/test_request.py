"""recommender.ml.request's ranking on a tiny catalogue (pure numpy, no encoder)."""

import numpy as np

from recommender.ml.request import Request, RequestModel, RequestReader, request_rank

# Four articles: A and B the reader's list favours, C and D the request's words match.
QUERY = np.array([0.0, 0.3, 0.9, 0.8], dtype=np.float32)
PERSONAL = np.array([1.0, 0.9, 0.85, 0.0], dtype=np.float32)
VECTORS = np.eye(4, dtype=np.float32)
BLEND = RequestModel(weights={"query": 1.0, "personal": 1.0}, pool=2)


def _ranked(personal: np.ndarray) -> list[int]:
    reader = RequestReader(
        allowed=np.ones(4, dtype=bool),
        history_vectors=np.zeros((1, 4), dtype=np.float32),
        personal=lambda keep: personal,
    )
    return request_rank(BLEND, Request(QUERY), lambda columns: VECTORS[columns], reader)


def test_the_readers_list_counts_by_its_order_not_by_its_scale():
    # given: the served score as the hybrid gives it, everything outside its own pool (A, B)
    # dropped a gap below -- the same order of the articles, another scale
    gapped = PERSONAL.copy()
    gapped[2:] -= 10.0

    # when
    plain, served = _ranked(PERSONAL), _ranked(gapped)

    # then: C, matching the request and third on the reader's list, comes first either way
    assert served.candidates.tolist() == plain.candidates.tolist()
    assert served.candidates[0] == 2
    np.testing.assert_allclose(served.scores, plain.scores)


def test_without_the_requests_weight_the_readers_list_orders_the_candidates():
    model = RequestModel(weights={"personal": 1.0}, pool=2)
    reader = RequestReader(np.ones(4, dtype=bool), np.zeros((1, 4), np.float32), lambda k: PERSONAL)

    ranked = request_rank(model, Request(QUERY), lambda columns: VECTORS[columns], reader)

    assert ranked.candidates.tolist() == [0, 1, 2, 3]
