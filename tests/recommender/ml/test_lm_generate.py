"""Constrained beam search with a tiny trained LM: every result is a real candidate, once, with
its sequence log-likelihood."""

import numpy as np
import pytest

from recommender.ml.lm.generate import generate

from .lm_tiny import DUPLICATE, histories, trained

pytestmark = pytest.mark.filterwarnings("ignore:.*attention_mask.*")


def unread(history) -> np.ndarray:
    return np.setdiff1d(np.arange(30), history)


def test_every_result_is_an_unread_candidate_and_none_repeats():
    lm = trained()
    reader = histories()[3]

    [found] = lm.generate([lm.history_prompt(reader)], [unread(reader)], n=10)

    keys = [key for generated in found for key in generated.keys]
    assert len(keys) == 10
    assert len(set(keys)) == 10
    assert set(keys) <= set(unread(reader).tolist())
    assert all(generated.tokens[-1] == lm.tokenizer.ids.sep for generated in found)


def test_results_are_best_first_with_their_teacher_forced_log_likelihood():
    lm = trained()
    reader = histories()[4]

    [found] = lm.generate([lm.history_prompt(reader)], [unread(reader)], n=5)

    scores = [generated.loglik for generated in found]
    assert scores == sorted(scores, reverse=True)
    assert all(score < 0 for score in scores)
    forced = lm.score_history(reader, [generated.keys[0] for generated in found])
    np.testing.assert_allclose(forced, scores, rtol=1e-4)


def test_the_reader_is_recommended_their_own_theme():
    lm = trained()
    reader = histories()[1]  # biology: items 10-19

    [found] = lm.generate([lm.history_prompt(reader)], [unread(reader)], n=3)

    assert [key // 10 for generated in found for key in generated.keys] == [1, 1, 1]


def test_beams_are_raised_to_top_n():
    lm = trained()

    [found] = generate(
        lm.model,
        [lm.history_prompt([20, 21])],
        [lm.trie.restrict(np.arange(2, 30))],
        lm.tokenizer.ids,
        top_n=8,
        num_beams=2,
    )

    assert sum(len(generated.keys) for generated in found) == 8


def test_a_shared_title_returns_all_its_candidate_articles_with_one_score():
    lm = trained()

    [found] = lm.generate([lm.history_prompt([2, 3])], [np.array(DUPLICATE)], n=5)

    assert [generated.keys for generated in found] == [DUPLICATE]


def test_fewer_candidates_than_top_n_give_all_of_them_and_none_gives_nothing():
    lm = trained()

    few, none = lm.generate(
        [lm.history_prompt([2]), lm.history_prompt([3])], [np.array([5, 17, 28]), np.array([])], n=6
    )

    assert sorted(key for generated in few for key in generated.keys) == [5, 17, 28]
    assert none == []


def test_batched_prompts_give_the_same_results_as_one_at_a_time():
    lm = trained()
    readers = [histories()[0], histories()[1][:2]]
    prompts = [lm.history_prompt(reader) for reader in readers]

    together = lm.generate(prompts, [unread(reader) for reader in readers], n=4)
    alone = [lm.generate([p], [unread(r)], n=4)[0] for p, r in zip(prompts, readers, strict=True)]

    assert [[g.keys for g in found] for found in together] == [
        [g.keys for g in found] for found in alone
    ]
    np.testing.assert_allclose(
        [g.loglik for found in together for g in found],
        [g.loglik for found in alone for g in found],
        rtol=1e-4,
    )


def test_free_text_prompts_generate_candidates_too():
    lm = trained()

    [found] = lm.generate([lm.text_prompt("galaxies and comets\nthe stars")], [np.arange(30)], n=3)

    assert len([key for generated in found for key in generated.keys]) == 3
