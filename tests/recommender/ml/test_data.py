import numpy as np
import pytest

from recommender.ml.data import (
    EVENT_WEIGHTS_DEFAULT,
    build_interaction_matrix,
    fold_in_weights,
    reindex_users,
)

DAY = 86400.0


def _dense(matrix):
    return matrix.positives.toarray().tolist(), matrix.negatives.toarray().tolist()


def test_repeated_events_accumulate_up_to_the_cap():
    rows = [("u", "a", "read", None, None)] * 3 + [("u", "b", "like", None, None)] * 4

    matrix = build_interaction_matrix(rows, cap=10.0)

    positives, negatives = _dense(matrix)
    assert positives == [[6.0, 10.0]]
    assert negatives == [[0.0, 0.0]]
    assert matrix.positives.dtype == np.float32


def test_rating_weight_is_multiplied_by_the_value_and_missing_event_means_read():
    rows = [("u", "a", "rating", 4.0, None), ("u", "b", None, None, None)]

    matrix = build_interaction_matrix(rows)

    assert _dense(matrix)[0] == [[4.0, 2.0]]


def test_dislike_is_never_a_positive_and_is_kept_as_a_negative():
    rows = [("u", "a", "read", None, 100.0), ("u", "a", "dislike", None, 200.0)]
    rows += [("u", "b", "like", None, None)]

    matrix = build_interaction_matrix(rows)

    assert _dense(matrix) == ([[0.0, 4.0]], [[1.0, 0.0]])
    assert matrix.positives.nnz == 1


def test_a_positive_event_after_the_dislike_wins_back_the_item():
    rows = [("u", "a", "dislike", None, 100.0), ("u", "a", "bookmark", None, 200.0)]

    matrix = build_interaction_matrix(rows)

    assert _dense(matrix) == ([[4.0]], [[0.0]])


def test_undated_events_cannot_override_a_dislike():
    rows = [("u", "a", "dislike", None, None), ("u", "a", "like", None, None)]

    matrix = build_interaction_matrix(rows)

    assert _dense(matrix) == ([[0.0]], [[1.0]])


def test_time_decay_halves_the_weight_per_half_life():
    rows = [("u", "a", "like", None, 0.0), ("u", "b", "like", None, 10 * DAY)]

    matrix = build_interaction_matrix(rows, half_life_days=5.0, now=10 * DAY)

    np.testing.assert_allclose(_dense(matrix)[0], [[1.0, 4.0]])


def test_catalogue_fixes_column_order_keeps_unread_items_and_drops_unknown_ones():
    rows = [("u1", "b", "read", None, None), ("u2", "zzz", "read", None, None)]
    rows += [("u2", "a", "read", None, None)]

    matrix = build_interaction_matrix(rows, item_ids=["a", "b", "c"])

    assert matrix.item_ids.tolist() == ["a", "b", "c"]
    assert matrix.user_ids.tolist() == ["u1", "u2"]
    assert _dense(matrix)[0] == [[0.0, 2.0, 0.0], [2.0, 0.0, 0.0]]
    assert matrix.item_index("c") == 2
    assert matrix.item_index("zzz") is None
    assert matrix.user_index("u2") == 1


def test_ids_are_looked_up_as_strings():
    matrix = build_interaction_matrix([(7, 42, "read", None, None)])

    assert matrix.user_index(7) == 0
    assert matrix.item_index("42") == 0


def test_unknown_event_type_is_rejected():
    with pytest.raises(ValueError, match="unknown event type"):
        build_interaction_matrix([("u", "a", "teleport", None, None)])


def test_duplicate_catalogue_ids_are_rejected():
    with pytest.raises(ValueError, match="duplicates"):
        build_interaction_matrix([], item_ids=["a", "a"])


def test_fold_in_weights_follow_the_matrix_rules():
    idx, weights, disliked = fold_in_weights(
        [4, 1, 4, 7, 1],
        ["read", "like", "read", "dislike", "view"],
        [None] * 5,
        weights=EVENT_WEIGHTS_DEFAULT,
        cap=4.5,
    )

    assert idx.tolist() == [1, 4]
    assert weights.tolist() == [4.5, 4.0]
    assert weights.dtype == np.float32
    assert disliked.tolist() == [7]


def test_fold_in_weights_of_nothing_are_empty():
    idx, weights, disliked = fold_in_weights([], [], [])

    assert (len(idx), len(weights), len(disliked)) == (0, 0, 0)


def test_reindex_users_aligns_rows_with_another_matrix():
    test = build_interaction_matrix(
        [("u2", "a", "read", None, None), ("u9", "b", "like", None, None)], item_ids=["a", "b"]
    )

    aligned = reindex_users(test, np.array(["u1", "u2"]))

    assert aligned.user_ids.tolist() == ["u1", "u2"]
    assert _dense(aligned)[0] == [[0.0, 0.0], [2.0, 0.0]]
