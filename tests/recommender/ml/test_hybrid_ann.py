import numpy as np
import pytest

from recommender.ml.ann import InnerProductIndex
from recommender.ml.content import normalize_rows
from recommender.ml.data import build_interaction_matrix
from recommender.ml.hybrid import HybridRecommender, history
from recommender.ml.hybrid_ann import HybridANN, candidate_scores

N_ITEMS, N_USERS, TOPICS, DIM = 240, 120, 6, 16
TINY_MF = {"factors": 8, "iterations": 6, "regularization": 0.1, "threads": 1}


def topical_data(seed: int = 0):
    """Readers of one topic each read 8 of its articles (popular ones more often); the last 12
    articles are never read (cold), text near their topic's direction."""
    rng = np.random.default_rng(seed)
    topic_of = np.arange(N_ITEMS) % TOPICS
    directions = np.eye(DIM, dtype=np.float32)[:TOPICS]
    embeddings = normalize_rows(
        directions[topic_of] + 0.3 * rng.standard_normal((N_ITEMS, DIM)).astype(np.float32)
    )
    readable = np.arange(N_ITEMS - 12)
    rows = []
    for user in range(N_USERS):
        own = readable[topic_of[readable] == user % TOPICS]
        popularity = 1.0 / np.arange(1, len(own) + 1)
        for item in rng.choice(own, size=8, replace=False, p=popularity / popularity.sum()):
            rows.append((f"u{user}", f"i{item}", "read", None, None))
    matrix = build_interaction_matrix(rows, item_ids=[f"i{i}" for i in range(N_ITEMS)])
    ages = rng.uniform(0, 90, N_ITEMS).astype(np.float32)
    return matrix, embeddings, ages


@pytest.fixture(scope="module")
def fitted_hybrid():
    matrix, embeddings, ages = topical_data()
    model = HybridRecommender(embeddings, item_ages_days=ages, pool=8, **TINY_MF).fit(matrix)
    return model, matrix, HybridANN.build(model.base)


def exact_and_ann(model, ann, matrix, user, new=None):
    columns, weights = history(matrix, user)
    seen = matrix.seen(user)
    exact = model.reader_scores(columns, weights, seen, new)
    exact[seen] = -np.inf
    picked, scores = candidate_scores(
        model, ann, columns=columns, weights=weights, seen=seen, new=new, extra=20
    )
    return exact, picked, scores


def test_the_index_finds_the_largest_inner_products():
    vectors = np.random.default_rng(1).standard_normal((500, 8)).astype(np.float32)
    query = vectors[7] + vectors[9]

    columns, scores = InnerProductIndex.build(vectors).search(query, 5)

    np.testing.assert_array_equal(columns, np.argsort(-(vectors @ query))[:5])
    np.testing.assert_allclose(scores, np.sort(vectors @ query)[::-1][:5], rtol=1e-5)


def test_ann_candidates_give_the_exact_top_items_and_their_exact_scores(fitted_hybrid):
    model, matrix, ann = fitted_hybrid

    for user in range(0, N_USERS, 7):
        exact, picked, scores = exact_and_ann(model, ann, matrix, user)

        top = np.argsort(-exact, kind="stable")[:10]
        ann_top = picked[np.argsort(-scores, kind="stable")[:10]]
        assert ann_top.tolist() == top.tolist()
        pooled = scores >= scores[np.isin(picked, top)].min()
        np.testing.assert_allclose(scores[pooled], exact[picked[pooled]], rtol=1e-4, atol=1e-4)
        assert not np.isin(picked, matrix.seen(user)).any()


def test_ann_candidates_include_articles_newer_than_the_model(fitted_hybrid):
    model, matrix, ann = fitted_hybrid
    # given: three new articles with the text and adapter factors of a topic-0 article
    base = model.base
    new = base.new_items(
        np.repeat(base.item_factors[[0]], 3, axis=0), np.repeat(base.item_embeddings[[0]], 3, 0)
    )

    # when: a topic-0 reader is scored
    exact, picked, scores = exact_and_ann(model, ann, matrix, 0, new)

    # then: the same top items as exact ranking, new ones among the candidates
    top = np.argsort(-exact, kind="stable")[:10]
    assert picked[np.argsort(-scores, kind="stable")[:10]].tolist() == top.tolist()
    assert {N_ITEMS, N_ITEMS + 1, N_ITEMS + 2} <= set(picked.tolist())


def test_the_index_and_moments_survive_save_and_load(fitted_hybrid, tmp_path):
    model, matrix, ann = fitted_hybrid

    ann.save(tmp_path)
    loaded = HybridANN.load(tmp_path, mmap=True)

    columns, weights = history(matrix, 3)
    seen = matrix.seen(3)
    before = candidate_scores(model, ann, columns=columns, weights=weights, seen=seen)
    after = candidate_scores(model, loaded, columns=columns, weights=weights, seen=seen)
    np.testing.assert_array_equal(before[0], after[0])
    np.testing.assert_allclose(before[1], after[1], rtol=1e-6)
    assert HybridANN.exists(tmp_path)
