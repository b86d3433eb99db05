import math

import numpy as np
import pytest

from recommender.ml.data import build_interaction_matrix
from recommender.ml.metrics import evaluate, long_tail_items, ndcg_at_k, recall_at_k


def test_recall_counts_hits_over_min_of_k_and_test_size():
    ranked = np.array([5, 1, 7, 2])

    assert recall_at_k(ranked, {1, 2, 9}, 2) == 0.5  # 1 hit / min(2, 3)
    assert recall_at_k(ranked, {1, 2, 9}, 4) == pytest.approx(2 / 3)
    assert recall_at_k(ranked, {7}, 10) == 1.0  # fewer test items than K


def test_ndcg_uses_log2_discounts_and_an_ideal_of_min_k_hits():
    ranked = np.array([5, 1, 7, 2])

    # hits at ranks 2 and 4; ideal: 2 hits at ranks 1 and 2
    expected = (1 / math.log2(3) + 1 / math.log2(5)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k(ranked, {1, 2}, 4) == pytest.approx(expected)
    # one test item, found at rank 3: ideal DCG is a single hit at rank 1
    assert ndcg_at_k(ranked, {7}, 10) == pytest.approx(1 / math.log2(4))
    assert ndcg_at_k(ranked, {5, 1}, 2) == 1.0


def test_metrics_of_no_relevant_items_are_zero():
    assert recall_at_k(np.array([1]), set(), 5) == 0.0
    assert ndcg_at_k(np.array([1]), set(), 5) == 0.0


class FixedScores:
    """Every user gets the same scores: items ranked by descending index."""

    name = "fixed"

    def score_users(self, user_indices, matrix):
        return np.tile(np.arange(matrix.shape[1], dtype=np.float32), (len(user_indices), 1))


ITEMS = [str(i) for i in range(6)]


def _matrix(pairs):
    return build_interaction_matrix([(u, i, "read", None, None) for u, i in pairs], item_ids=ITEMS)


def _aligned(train_pairs, test_pairs):
    from recommender.ml.data import reindex_users

    train = _matrix(train_pairs)
    return train, reindex_users(_matrix(test_pairs), train.user_ids)


def test_evaluate_excludes_train_items_and_skips_users_without_test_items():
    # ranking for everyone: 5 4 3 2 1 0. u1 read 5, so its list is 4 3 2 ...; u3 has no test.
    train, test = _aligned(
        [("u1", "5"), ("u2", "0"), ("u3", "1")], [("u1", "3"), ("u2", "5"), ("u2", "0")]
    )

    result = evaluate(FixedScores(), train, test, ks=(1, 2))

    assert result["users_evaluated"] == 2
    # u1: test {3} at rank 2 -> recall@1 0, recall@2 1, ndcg@2 1/log2(3)
    # u2: test {5} (0 was in train) at rank 1 -> all 1
    assert result["recall@1"] == 0.5
    assert result["recall@2"] == 1.0
    assert result["ndcg@2"] == pytest.approx((1 / math.log2(3) + 1.0) / 2)
    # top-2 lists: u1 [4, 3], u2 [5, 4] -> items {3, 4, 5} of 6
    assert result["coverage@2"] == 0.5
    assert result["coverage@1"] == pytest.approx(2 / 6)


def test_evaluate_ranks_only_candidates():
    train, test = _aligned([("u1", "0")], [("u1", "1"), ("u1", "4")])

    result = evaluate(FixedScores(), train, test, ks=(1,), candidates=np.array([1, 2]))

    # only 2 and 1 are ranked; item 4 is no candidate so T_u = {1}, found at rank 2
    assert result["recall@1"] == 0.0
    assert result["ndcg@1"] == 0.0
    assert result["coverage@1"] == 0.5  # item 2 of the 2 candidates
    assert result["users_evaluated"] == 1


def test_long_tail_is_everything_outside_the_80_percent_head():
    train = _matrix(
        [(f"u{n}", "0") for n in range(6)] + [(f"u{n}", "1") for n in range(3)] + [("u0", "2")]
    )

    tail = long_tail_items(train)

    # counts 6, 3, 1 of 10: item 0 holds 60%, items 0+1 90% >= 80% -> head {0, 1}
    assert tail.tolist() == [False, False, True, True, True, True]


def test_long_tail_share_counts_recommended_slots():
    train, test = _aligned(
        [("u1", "0"), ("u2", "0"), ("u3", "0"), ("u1", "1")], [("u1", "5"), ("u2", "5")]
    )

    result = evaluate(FixedScores(), train, test, ks=(2,))

    # counts 3, 1: item 0 alone holds 75% < 80%, so the head is {0, 1}; u1 and u2 both get
    # [5, 4], all long-tail
    assert result["long_tail_share@2"] == 1.0


def test_evaluate_rejects_misaligned_matrices():
    with pytest.raises(ValueError, match="not aligned"):
        evaluate(FixedScores(), _matrix([("u1", "0")]), _matrix([("u1", "0"), ("u2", "1")]))
