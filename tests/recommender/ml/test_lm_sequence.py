"""The sequence LM on the tiny cycle catalogue: reading orders, the next-item split, learning
the order, the numpy hand-over (states . output embeddings) and its artifacts."""

import numpy as np
import pytest

from recommender.ml.data import build_interaction_matrix
from recommender.ml.lm.model import SequenceLM, project_new_items
from recommender.ml.lm.sequences import (
    leave_last_out,
    ordered_histories,
    training_chunks,
    unordered_histories,
)
from recommender.ml.metrics import evaluate
from recommender.ml.splits import next_item_split

from .lm_tiny import N_ITEMS, TINY_PARAMS, matrix, rows, texts, trained


def test_reading_order_is_by_time_then_file_order_and_dislikes_are_left_out():
    rows = [
        ("u", "c", "read", None, 30.0),
        ("u", "a", "read", None, 10.0),
        ("u", "d", "read", None, 10.0),  # same time as "a", later in the file
        ("u", "b", "dislike", None, 5.0),
        ("u", "c", "like", None, 1.0),  # "c" was first met at time 1
    ]
    data = build_interaction_matrix(rows, item_ids=["a", "b", "c", "d"])

    found = ordered_histories(rows, data)

    assert found.ordered is True
    assert [data.item_ids[column] for column in found.items[0]] == ["c", "a", "d"]
    assert found.moments == [[0, 1, 1]]  # "a" and "d": one moment, their order unknown


def test_rows_without_times_give_no_order():
    rows = [("u", "a", "read", None, None), ("u", "b", "read", None, None)]
    data = build_interaction_matrix(rows)

    assert ordered_histories(rows, data).ordered is False
    assert ordered_histories(rows, data).moments is None
    assert unordered_histories(data, seed=0).ordered is False


def test_next_item_split_holds_out_each_readers_last_item():
    data = matrix()
    ordered = ordered_histories(rows(), data)

    train, test = next_item_split(data, ordered.items)

    for user, items in enumerate(ordered.items):
        assert test.positives[user].indices.tolist() == [items[-1]]
        assert sorted(train.positives[user].indices.tolist()) == sorted(items[:-1])


def test_training_chunks_cover_every_transition_once():
    chunks = training_chunks(
        [list(range(10))], max_length=3, rng=np.random.default_rng(0), shuffle_order=False
    )

    pairs = [(chunk[i], chunk[i + 1]) for chunk in chunks for i in range(len(chunk) - 1)]
    assert sorted(pairs) == [(i, i + 1) for i in range(9)]
    assert max(len(chunk) for chunk in chunks) == 4


def test_training_chunks_permute_items_within_their_moment_only():
    rng = np.random.default_rng(0)

    epochs = [
        training_chunks(
            [[1, 2, 3, 4, 5, 6]],
            max_length=10,
            rng=rng,
            shuffle_order=False,
            moments=[[0, 0, 1, 1, 1, 2]],
        )[0]
        for _ in range(20)
    ]

    assert {tuple(sorted(chunk[:2])) for chunk in epochs} == {(1, 2)}
    assert {tuple(sorted(chunk[2:5])) for chunk in epochs} == {(3, 4, 5)}
    assert {chunk[5] for chunk in epochs} == {6}
    assert len({tuple(chunk) for chunk in epochs}) > 1  # a new order in some epoch


def test_the_model_learns_which_article_comes_next():
    model = trained()

    # the held-out last items of every reader are found first (the cycle's successor)
    assert model.validation["ndcg@10_val"] > 0.9
    assert 1 <= model.validation["best_epoch"] <= model.validation["epochs"]
    scores = model.score_histories([[3, 4, 5], [20, 21]])
    assert scores.argmax(axis=1).tolist() == [6, 22]


def test_scores_are_the_state_times_the_output_embeddings():
    model = trained()

    states = model.states([[1, 2], []])

    assert states.shape == (2, TINY_PARAMS["dim"] + 1)
    assert states[:, -1].tolist() == [1.0, 1.0]
    assert np.all(states[1, :-1] == 0)  # no history: the items' biases alone
    np.testing.assert_allclose(
        model.score_histories([[1, 2]])[0], model.output_embeddings() @ states[0], rtol=1e-5
    )


def test_a_new_article_gets_an_output_row_from_its_text():
    model = trained()

    rows = model.new_item_outputs(texts()[:2])

    assert rows.shape == (2, TINY_PARAMS["dim"] + 1)
    assert rows[:, -1].tolist() == [0.0, 0.0]
    np.testing.assert_allclose(rows, project_new_items(model.output_projection(), texts()[:2]))


def test_saved_model_loads_and_scores_the_same(tmp_path):
    model = trained()

    model.save(tmp_path)
    loaded = SequenceLM.load(tmp_path, threads=1)

    assert loaded.ordered is True
    assert loaded.item_ids.tolist() == [f"a{i}" for i in range(N_ITEMS)]
    np.testing.assert_allclose(
        loaded.score_histories([[7, 8, 9]]), model.score_histories([[7, 8, 9]]), rtol=1e-5
    )
    assert np.load(tmp_path / "output_embeddings.npy", allow_pickle=False).shape == (
        N_ITEMS,
        TINY_PARAMS["dim"] + 1,
    )


def test_offline_evaluation_ranks_the_next_article_first():
    data = matrix()
    ordered = ordered_histories(rows(), data)
    train, test = next_item_split(data, ordered.items)
    train_histories = type(ordered)([items[:-1] for items in ordered.items], ordered=True)

    model = SequenceLM(texts(), **TINY_PARAMS).fit(train, histories=train_histories)
    result = evaluate(model, train, test, ks=(1,))

    assert result["recall@1"] > 0.8


def test_fit_refuses_embeddings_that_do_not_match_the_catalogue():
    with pytest.raises(ValueError, match="item embeddings"):
        SequenceLM(texts()[:3], **TINY_PARAMS).fit(matrix())


def test_leave_last_out_keeps_short_histories_whole():
    train, targets = leave_last_out([[1, 2, 3], [4]])

    assert train == [[1, 2], [4]]
    assert targets.tolist() == [3, -1]
